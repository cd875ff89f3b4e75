import { UsageError } from "./args.js";

/** Prints `program: line` on stderr. */
export function stderrLine(program: string, line: string): void {
  process.stderr.write(`${program}: ${line}\n`);
}

/**
 * The apps' `main()` error path: runs `main`, sets the exit status it resolves with, and turns a
 * {@link UsageError} into one stderr line with status 2, anything unexpected into one
 * `internal error` line with status 70 (the stack only with `LR_DEBUG=1`). Never a stack trace for
 * an expected error.
 *
 * @example
 * ```ts
 * runMain("lr-server", async (argv) => 0, process.argv.slice(2));
 * ```
 */
export function runMain(
  program: string,
  main: (argv: readonly string[]) => Promise<number | undefined>,
  argv: readonly string[],
): void {
  main(argv).then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        stderrLine(program, error.message);
        process.exitCode = 2;
        return;
      }
      stderrLine(
        program,
        `internal error: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (process.env.LR_DEBUG === "1" && error instanceof Error)
        process.stderr.write(`${error.stack}\n`);
      process.exit(70);
    },
  );
}
