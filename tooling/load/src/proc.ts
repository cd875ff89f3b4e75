/**
 * Child processes under test: start a server, wait for its `listening on HOST:PORT` line, read what
 * it prints line by line, sample its memory and handles from /proc, stop it with a signal. Every
 * wait is on an event with a deadline, never a sleep.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { createInterface } from "node:readline";

/** Memory figures from /proc/<pid>/status, in bytes. */
export interface ProcMemory {
  /** Resident set size now (VmRSS). */
  readonly rss: number;
  /** Peak resident set size (VmHWM). */
  readonly peakRss: number;
}

/** Reads VmRSS and VmHWM of a live process. Throws if the process is gone. */
export function procMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
    if (!m) throw new Error(`no ${key} in /proc/${pid}/status`);
    return Number(m[1]) * 1024;
  };
  return { rss: kb("VmRSS"), peakRss: kb("VmHWM") };
}

/** CPU time a live process has used so far (user + system), in clock ticks (1/100 s). */
export function procCpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/** The pids of a live process's direct children (Linux). */
export function procChildren(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter((s) => s !== "")
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Resolves once `pid` has used no CPU for `quietMs` (checked every 20 ms): the process is blocked
 * or idle, e.g. paused by back-pressure. Rejects after `timeoutMs`.
 */
export function untilIdle(pid: number, quietMs = 300, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let last = procCpuTicks(pid);
    let since = Date.now();
    const timer = setInterval(() => {
      const now = Date.now();
      const ticks = procCpuTicks(pid);
      if (ticks !== last) {
        last = ticks;
        since = now;
      } else if (now - since >= quietMs) {
        clearInterval(timer);
        resolve();
      }
      if (now > deadline) {
        clearInterval(timer);
        reject(new Error(`process ${pid} did not go idle within ${timeoutMs} ms`));
      }
    }, 20);
  });
}

/**
 * Whether `signal` is still pending for `pid` (sent but not yet delivered to the process, by the
 * kernel's per-thread or shared pending sets in /proc). Two standard signals sent while the first
 * is still pending merge into one, so a test that means to send "a second signal" waits for this to
 * be false first. A process that is gone has nothing pending.
 */
export function procSignalPending(pid: number, signal: NodeJS.Signals): boolean {
  const number = osConstants.signals[signal];
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return false;
  }
  const bit = 1n << BigInt(number - 1);
  for (const field of ["SigPnd", "ShdPnd"]) {
    const hex = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, "m").exec(status)?.[1];
    if (hex !== undefined && (BigInt(`0x${hex}`) & bit) !== 0n) return true;
  }
  return false;
}

/** How many file descriptors a live process has open (sockets, pipes, files...). */
export function procFdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** How a child process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Options of {@link startServer}. */
export interface StartOptions {
  /** Raise the open-files limit of the child to this many (via `sh -c "ulimit -n N; exec ..."`). */
  readonly fdLimit?: number;
  /** How long to wait for the `listening on` line (default 10 s). */
  readonly timeoutMs?: number;
  /** Keep every stdout line in {@link ServerProcess.lines} (default true). */
  readonly keepLines?: boolean;
  /** Extra environment variables. */
  readonly env?: NodeJS.ProcessEnv;
  /** Stop reading stdout right after the `listening` line (see {@link ServerProcess.resumeStdout}). */
  readonly pauseStdout?: boolean;
}

type Waiter = { match: (line: string) => boolean; resolve: (line: string) => void };

/** A running server process. */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  host = "";
  port = 0;
  readonly exited: Promise<Exit>;
  #waiters: Waiter[] = [];
  #lineListeners: ((line: string) => void)[] = [];
  #exit: Exit | null = null;
  readonly #keep: boolean;
  #out: ReturnType<typeof createInterface> | null = null;
  /** Stop reading stdout after the first line (nobody reads the pipe: the process is pushed back). */
  pauseAfterFirst = false;

  constructor(child: ChildProcess, keepLines: boolean) {
    this.child = child;
    this.#keep = keepLines;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
    if (child.stdout) {
      this.#out = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
      this.#out.on("line", (line) => this.#onLine(line));
    }
    if (child.stderr)
      createInterface({ input: child.stderr }).on("line", (line) => this.stderr.push(line));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error("process did not start");
    return this.child.pid;
  }

  /** Stops reading stdout: once the pipe is full, the process's writes are pushed back. */
  pauseStdout(): void {
    this.#out?.pause();
  }

  /** Reads stdout again (a reader appears). */
  resumeStdout(): void {
    this.#out?.resume();
  }

  /** Closes our end of the process's stdout: its next write fails with EPIPE. */
  closeStdout(): void {
    this.#out?.close();
    this.child.stdout?.destroy();
  }

  /** Calls `fn` for every stdout line from now on; returns a function that unsubscribes. */
  onLine(fn: (line: string) => void): () => void {
    this.#lineListeners.push(fn);
    return () => {
      this.#lineListeners = this.#lineListeners.filter((f) => f !== fn);
    };
  }

  /**
   * Resolves once `count` stdout lines (seen so far or to come) satisfy `match`; rejects after
   * `timeoutMs` or if the process exits first.
   */
  waitForCount(match: (line: string) => boolean, count: number, timeoutMs = 10_000): Promise<void> {
    let seen = this.lines.filter(match).length;
    if (seen >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        off();
        this.child.off("exit", onExit);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => finish(new Error(`saw ${seen} of ${count} matching lines within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onExit = (): void => {
        setImmediate(() =>
          finish(new Error(`process exited after ${seen} of ${count} matching lines`)),
        );
      };
      const off = this.onLine((line) => {
        if (match(line) && ++seen >= count) finish();
      });
      this.child.once("exit", onExit);
    });
  }

  /** Resolves with the first stdout line (already seen or to come) that `match`es; rejects after `timeoutMs` or if the process exits first. */
  waitForLine(match: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no matching line within ${timeoutMs} ms; last lines: ${this.lines.slice(-3).join(" | ")}; stderr: ${this.stderr.slice(-3).join(" | ")}`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (line) => {
          done();
          resolve(line);
        },
      };
      const onExit = (): void => {
        // Let the last buffered lines through first.
        setImmediate(() => {
          if (!this.#waiters.includes(waiter)) return;
          done();
          reject(
            new Error(
              `process exited (${JSON.stringify(this.#exit)}) before a matching line; stderr: ${this.stderr.slice(-5).join(" | ")}`,
            ),
          );
        });
      };
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        this.child.off("exit", onExit);
      };
      this.#waiters.push(waiter);
      if (this.#exit) onExit();
      else this.child.once("exit", onExit);
    });
  }

  /** Memory of the process now. */
  memory(): ProcMemory {
    return procMemory(this.pid);
  }

  /** Sends `signal` and resolves once the process has exited; kills it and rejects after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<Exit> {
    if (this.#exit) return this.#exit;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        reject(new Error(`process did not exit within ${timeoutMs} ms of ${signal}`));
      }, timeoutMs);
    });
    try {
      const exit = await Promise.race([this.exited, timeout]);
      await this.#stdoutDone();
      return exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process if it still runs (for `afterEach` cleanup). */
  kill(): void {
    if (!this.#exit) this.child.kill("SIGKILL");
  }

  #stdoutDone(): Promise<void> {
    const out = this.child.stdout;
    if (!out || out.readableEnded || out.destroyed) return Promise.resolve();
    return new Promise((resolve) => out.once("close", () => resolve()));
  }

  #onLine(line: string): void {
    if (this.pauseAfterFirst && this.lines.length === 0) this.#out?.pause();
    if (this.#keep || this.lines.length === 0) this.lines.push(line);
    for (const fn of this.#lineListeners) fn(line);
    for (const w of [...this.#waiters]) if (w.match(line)) w.resolve(line);
  }
}

/**
 * Starts `node <script> ...args` and resolves once it printed `listening on HOST:PORT` (text) or
 * a `{"event":"listening",...}` JSON line; `host`/`port` are filled in from it.
 */
export async function startServer(
  script: string,
  args: readonly string[],
  options: StartOptions = {},
): Promise<ServerProcess> {
  const argv = [process.execPath, script, ...args];
  const child =
    options.fdLimit === undefined
      ? spawn(argv[0] as string, argv.slice(1), {
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, ...options.env },
        })
      : spawn("sh", ["-c", `ulimit -n ${options.fdLimit} && exec "$@"`, "sh", ...argv], {
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, ...options.env },
        });
  const server = new ServerProcess(child, options.keepLines ?? true);
  server.pauseAfterFirst = options.pauseStdout === true;
  const first = await server
    .waitForLine((l) => parseListening(l) !== null, options.timeoutMs ?? 10_000)
    .catch((error: unknown) => {
      server.kill();
      throw error;
    });
  const addr = parseListening(first);
  if (!addr) throw new Error(`cannot parse ${first}`);
  server.host = addr.host;
  server.port = addr.port;
  return server;
}

/** Parses `listening on HOST:PORT` or `{"event":"listening","host":..,"port":..}`. */
export function parseListening(line: string): { host: string; port: number } | null {
  const text = /^listening on (.+):(\d+)\s*$/.exec(line);
  if (text) return { host: text[1] as string, port: Number(text[2]) };
  if (line.startsWith("{")) {
    try {
      const e = JSON.parse(line) as { event?: string; host?: string; port?: number };
      if (e.event === "listening" && typeof e.port === "number")
        return { host: e.host ?? "127.0.0.1", port: e.port };
    } catch {
      return null;
    }
  }
  return null;
}

/** Totals a server printed on stop. */
export interface Summary {
  readonly connections: number;
  readonly lines: number;
  readonly bytes?: number;
}

/**
 * Finds the stop summary in a server's output: the JSON `{"event":"stopped",...}` line, or a text
 * line mentioning `N connection(s)` and `M line(s)` (apps/server's text summary). `null` if none.
 */
export function parseSummary(lines: readonly string[]): Summary | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    if (line.startsWith("{")) {
      try {
        const e = JSON.parse(line) as {
          event?: string;
          connections?: number;
          lines?: number;
          bytes?: number;
        };
        if (e.event === "stopped" && typeof e.lines === "number")
          return {
            connections: e.connections ?? 0,
            lines: e.lines,
            ...(e.bytes === undefined ? {} : { bytes: e.bytes }),
          };
      } catch {
        // not JSON after all
      }
      continue;
    }
    const c = /(\d+)\s+connections?/.exec(line);
    const l = /(\d+)\s+lines?/.exec(line);
    if (c && l) return { connections: Number(c[1]), lines: Number(l[1]) };
  }
  return null;
}
