import type { Logger } from "@lr/reactor";
import { CannotListenError } from "@lr/reactor";

/**
 * The apps' reactor logger: warnings and errors as one line on stderr, never a stack trace (set
 * `LR_DEBUG=1` to get stacks back). Listen failures are left out: the app reports them itself.
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
      const error = event.error;
      let text = `${program}: ${event.level}: ${event.message}`;
      if (error instanceof Error && !event.message.includes(error.message))
        text += `: ${error.message}`;
      if (debug && error instanceof Error && error.stack) text += `\n${error.stack}`;
      write(`${text}\n`);
    },
  };
}
