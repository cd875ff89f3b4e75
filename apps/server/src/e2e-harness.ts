/**
 * Test-only helper (never bundled: only `*.test.ts` files import it, the client's e2e tests too):
 * runs a built app as a real process and lets a test wait for an output line instead of sleeping.
 */
import { type ChildProcess, spawn } from "node:child_process";

/** How a process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const running = new Set<AppProcess>();

/** A spawned app with its stdout and stderr collected line by line. */
export class AppProcess {
  readonly child: ChildProcess;
  /** Complete stdout lines so far. */
  readonly stdout: string[] = [];
  /** Complete stderr lines so far. */
  readonly stderr: string[] = [];
  /** Resolves when the process has exited and its output is fully read. */
  readonly exited: Promise<Exit>;
  #waiters: Array<() => void> = [];

  constructor(script: string, args: readonly string[]) {
    this.child = spawn(process.execPath, [script, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0" },
    });
    running.add(this);
    const collect = (stream: NodeJS.ReadableStream, into: string[]): Promise<void> => {
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const parts = (partial + chunk).split("\n");
        partial = parts.pop() ?? "";
        into.push(...parts);
        this.#wake();
      });
      return new Promise((resolve) =>
        stream.on("end", () => {
          if (partial !== "") into.push(partial);
          this.#wake();
          resolve();
        }),
      );
    };
    const outDone = this.child.stdout ? collect(this.child.stdout, this.stdout) : Promise.resolve();
    const errDone = this.child.stderr ? collect(this.child.stderr, this.stderr) : Promise.resolve();
    const exit = new Promise<Exit>((resolve) => {
      this.child.on("exit", (code, signal) => resolve({ code, signal }));
    });
    this.exited = Promise.all([exit, outDone, errDone]).then(([e]) => {
      running.delete(this);
      this.#wake();
      return e;
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /**
   * Resolves with the first stdout line (from index `from`) matching `predicate`; rejects after
   * `timeoutMs` or when the process exits without printing one, quoting the output so far.
   */
  waitForLine(
    predicate: (line: string) => boolean,
    { from = 0, timeoutMs = 15_000 }: { from?: number; timeoutMs?: number } = {},
  ): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(
          new Error(`no matching line within ${timeoutMs} ms; output so far:\n${this.describe()}`),
        );
      }, timeoutMs);
      const check = (): void => {
        if (done) return;
        const found = this.stdout.slice(from).find(predicate);
        if (found !== undefined) {
          done = true;
          clearTimeout(timer);
          resolve(found);
        } else if (!running.has(this)) {
          done = true;
          clearTimeout(timer);
          reject(new Error(`process exited without a matching line; output:\n${this.describe()}`));
        } else {
          this.#waiters.push(check);
        }
      };
      check();
    });
  }

  /** Waits until `count` stdout lines match `predicate`. */
  async waitForCount(
    predicate: (line: string) => boolean,
    count: number,
    timeoutMs = 15_000,
  ): Promise<void> {
    let from = 0;
    for (let i = 0; i < count; i++) {
      const line = await this.waitForLine(predicate, { from, timeoutMs });
      from = this.stdout.indexOf(line, from) + 1;
    }
  }

  /** Resolves with the exit once the process ends; rejects (and kills it) after `timeoutMs`. */
  async waitForExit(timeoutMs = 15_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        reject(
          new Error(`process did not exit within ${timeoutMs} ms; output:\n${this.describe()}`),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** stdout and stderr so far, for failure messages. */
  describe(): string {
    return `--- stdout\n${this.stdout.join("\n")}\n--- stderr\n${this.stderr.join("\n")}`;
  }
}

/** Kills every process a test left running (call from `afterEach`). */
export async function killAll(): Promise<void> {
  const left = [...running];
  for (const p of left) p.child.kill("SIGKILL");
  await Promise.all(left.map((p) => p.exited));
}

/** The port announced by a `listening on HOST:PORT` line. */
export function portOf(listeningLine: string): number {
  const match = /:(\d+)$/.exec(listeningLine);
  if (!match?.[1]) throw new Error(`not a listening line: ${listeningLine}`);
  return Number(match[1]);
}
