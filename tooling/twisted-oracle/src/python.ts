/**
 * The Twisted side of the oracle: one long-lived `/usr/bin/python3` worker per subject run, fed
 * one request line per batch of programs (see python/oracle_runner.py).
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Trace } from "./subject.js";

/** Debian's interpreter, which has `python3-twisted`; the `python3` on PATH may not. */
export const PYTHON = process.env.LR_ORACLE_PYTHON ?? "/usr/bin/python3";

const RUNNER = fileURLToPath(new URL("../python/oracle_runner.py", import.meta.url));

/** The one-line message printed when Twisted is missing. */
export const INSTALL_HINT = `twisted-oracle: skipped, Twisted 22.4 is not importable by ${PYTHON} (install it: apt-get install python3-twisted)`;

/** Twisted's version as seen by {@link PYTHON}, or `null` when it cannot be imported. */
export function twistedVersion(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import twisted; print(twisted.__version__)"], {
    encoding: "utf8",
    timeout: 30_000,
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** A running Python worker. */
export class TwistedWorker {
  readonly #child: ChildProcessWithoutNullStreams;
  #buffer = "";
  #stderr = "";
  #waiting: { resolve(line: string): void; reject(error: Error): void } | null = null;
  #exited: Error | null = null;

  constructor() {
    this.#child = spawn(PYTHON, [RUNNER], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    });
    this.#child.stdout.setEncoding("utf8");
    this.#child.stderr.setEncoding("utf8");
    this.#child.stdout.on("data", (chunk: string) => {
      this.#buffer += chunk;
      const nl = this.#buffer.indexOf("\n");
      if (nl < 0) return;
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      const w = this.#waiting;
      this.#waiting = null;
      w?.resolve(line);
    });
    // Twisted logs "Unhandled error in Deferred" for programs that leave a failed Deferred: expected;
    // only the tail is kept, for the message of a crash.
    this.#child.stderr.on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    this.#child.on("exit", (code, signal) => {
      this.#exited = new Error(
        `twisted-oracle: the Python worker exited (${code ?? signal}): ${this.#stderr}`,
      );
      const w = this.#waiting;
      this.#waiting = null;
      w?.reject(this.#exited);
    });
  }

  /** Runs `programs` of `subject` (Python module `subjects_<module>`) on Twisted. */
  async run(module: string, subject: string, programs: readonly unknown[]): Promise<Trace[]> {
    if (this.#exited) throw this.#exited;
    if (this.#waiting) throw new Error("twisted-oracle: one request at a time");
    const line = await new Promise<string>((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#child.stdin.write(`${JSON.stringify({ module, subject, programs })}\n`);
    });
    const reply = JSON.parse(line) as { traces?: Trace[]; error?: string };
    if (reply.error !== undefined || reply.traces === undefined) {
      throw new Error(`twisted-oracle: the Python runner failed:\n${reply.error ?? line}`);
    }
    return reply.traces;
  }

  /** Stops the worker (by its own pid) and waits for it to exit. */
  async close(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
