import { readFileSync } from "node:fs";
import type { Logger } from "@lr/reactor";
import { CannotListenError } from "@lr/reactor";

/**
 * The soft open-files limit of this process (`ulimit -n`) as /proc/self/limits tells it, or
 * `null` when unknown (not Linux) or unlimited.
 */
export function openFilesLimit(): number | null {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const m = /^Max open files\s+(\d+)/m.exec(limits);
    if (m?.[1]) return Number(m[1]);
  } catch {
    // not Linux
  }
  return null;
}

/** `64 descriptors`, for messages. */
export function descriptorLimit(): string {
  const n = openFilesLimit();
  return n === null ? "a limited number of descriptors" : `${n} descriptors`;
}

/**
 * The apps' reactor logger: warnings and errors as one line on stderr, never a stack trace (set
 * `LR_DEBUG=1` to get stacks back). Listen failures are left out: the app reports them itself.
 * Accept failures for want of descriptors (EMFILE/ENFILE, reported by the reactor once per burst)
 * become one line naming the descriptor limit.
 *
 * @example
 * ```ts
 * const reactor = createReactor({ logger: createAppLogger("lr-server", (s) => process.stderr.write(s)) });
 * ```
 */
export function createAppLogger(program: string, write: (text: string) => void): Logger {
  const debug = process.env.LR_DEBUG === "1";
  return {
    emit(event) {
      if (event.level === "debug" || event.level === "info") return;
      if (event.error instanceof CannotListenError) return;
      const code = event.context?.code;
      if (code === "EMFILE" || code === "ENFILE") {
        const more = Number(event.context?.suppressed ?? 0);
        write(
          `${program}: cannot accept connections: ${code === "EMFILE" ? "too many open files" : "the system is out of file descriptors"} (${code}; this process may open ${descriptorLimit()}, see ulimit -n); connections waiting are closed until descriptors free up${more > 0 ? ` (${more} more accept failures since the last such line)` : ""}\n`,
        );
        return;
      }
      const error = event.error;
      let text = `${program}: ${event.level}: ${event.message}`;
      if (error instanceof Error && !event.message.includes(error.message))
        text += `: ${error.message}`;
      if (debug && error instanceof Error && error.stack) text += `\n${error.stack}`;
      write(`${text}\n`);
    },
  };
}
