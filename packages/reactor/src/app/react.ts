import { LrError, SystemExit } from "../core/errors.js";
import type { ReactorCore } from "../core/interfaces.js";
import { reactor as defaultReactor } from "../node/default-reactor.js";

/** The type of the default reactor (the real `Reactor`). */
type DefaultReactor = typeof defaultReactor;

/** Options of {@link react}. */
export interface ReactOptions<R extends ReactorCore> {
  /** The reactor to run (default: the default `reactor`). */
  readonly reactor?: R;
  /** Where the error line goes (default: `process.stderr`). */
  readonly stderr?: (text: string) => void;
  /** Set `process.exitCode` (default `true`). */
  readonly setProcessExitCode?: boolean;
}

/** `true` for errors a program expects and reports in one line: lr errors and errors with a string `code` (e.g. ENOENT). */
function isExpected(error: unknown): error is Error & { code?: unknown } {
  return (
    error instanceof LrError ||
    (error instanceof Error && typeof (error as { code?: unknown }).code === "string")
  );
}

function describe(error: unknown): string {
  if (isExpected(error)) {
    const code = typeof error.code === "string" ? ` [${error.code}]` : "";
    return `${error.name}${code}: ${error.message.split("\n")[0]}\n`;
  }
  if (error instanceof Error) return `${error.stack ?? `${error.name}: ${error.message}`}\n`;
  return `Uncaught ${String(error)}\n`;
}

/**
 * Runs a program on a reactor, Twisted's `task.react`: calls `main(reactor, ...argv)` (before the
 * reactor starts), runs the reactor, and stops it when main's Promise settles. Resolves with the exit
 * code, and sets `process.exitCode` to it (it never calls `process.exit`):
 *
 * - main resolves → `0`;
 * - main rejects (or throws) with {@link SystemExit} → its `exitCode` (its message is printed when non-zero);
 * - main rejects with an expected error (an `LrError`, or any error with a string `code`) → `1`, and one
 *   line on stderr: `Name [CODE]: message`;
 * - main rejects with anything else → `1`, and the stack on stderr;
 * - the reactor is stopped by someone else (a signal handler...) while main is pending → `0`.
 *
 * Unlike Twisted, a synchronous throw from `main` is handled like a rejection (exit code, message).
 *
 * @example
 * ```ts
 * await react(async (reactor, url: string) => {
 *   const protocol = await clientFromString(reactor, url).connect(factory);
 *   // ...
 * }, ["tcp:localhost:9000"]);
 * ```
 */
export async function react<A extends unknown[], R extends ReactorCore = DefaultReactor>(
  main: (reactor: R, ...argv: A) => unknown,
  argv?: A,
  options: ReactOptions<R> = {},
): Promise<number> {
  const reactor = (options.reactor ?? defaultReactor) as R;
  const write = options.stderr ?? ((text: string) => void process.stderr.write(text));
  let outcome: { ok: true } | { ok: false; error: unknown } | null = null;
  let result: unknown;
  try {
    result = main(reactor, ...((argv ?? []) as A));
  } catch (error) {
    result = Promise.reject(error);
  }
  const stopNow = () => {
    if (reactor.state !== "running") return;
    try {
      void reactor.stop();
    } catch {
      // someone else is stopping it already
    }
  };
  void Promise.resolve(result)
    .then(
      () => {
        outcome = { ok: true };
      },
      (error: unknown) => {
        outcome = { ok: false, error };
      },
    )
    .then(() => {
      // Still starting: stop once running (like Twisted's callWhenRunning). Stopping or stopped: someone
      // else ended the run; do not leave a callback behind for a later run.
      if (reactor.state === "starting") reactor.callWhenRunning(stopNow);
      else stopNow();
    });
  await reactor.run();
  let code = 0;
  const settled = outcome as { ok: true } | { ok: false; error: unknown } | null;
  if (settled && !settled.ok) {
    const error = settled.error;
    if (error instanceof SystemExit) {
      code = error.exitCode;
      if (code !== 0) write(`${error.message}\n`);
    } else {
      code = 1;
      write(describe(error));
    }
  }
  if (options.setProcessExitCode !== false) process.exitCode = code;
  return code;
}
