/** Command-line parsing pieces shared by the apps: one error class, number flags, parseArgs' messages. */

/** A bad command line: its message is the one line printed on stderr (exit status 2). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** parseArgs' own messages, cut to their first sentence (the rest is advice about `--`). */
export function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split(/\.\s/)[0] ?? message;
  return `${first.replace(/\.$/, "")} (see --help)`;
}

/**
 * Parses a decimal integer flag value within `[min, max]`.
 *
 * @throws {UsageError} for anything else.
 * @example
 * ```ts
 * parseInteger("--port", "9000", 0, 65535); // 9000
 * ```
 */
export function parseInteger(flag: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw))
    throw new UsageError(`${flag} expects an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new UsageError(`${flag} must be between ${min} and ${max}, got ${raw}`);
  }
  return value;
}

/**
 * Parses a number of seconds (`5`, `0.5`, `.25`), at most `max` (default one day).
 *
 * @throws {UsageError} for a negative, non-decimal or too large value.
 * @example
 * ```ts
 * parseSeconds("--idle-timeout", "2.5"); // 2.5
 * ```
 */
export function parseSeconds(flag: string, raw: string, max = 86_400): number {
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(raw)) {
    throw new UsageError(`${flag} expects a number of seconds, got ${JSON.stringify(raw)}`);
  }
  const value = Number(raw);
  if (value > max) throw new UsageError(`${flag} must be at most ${max} seconds, got ${raw}`);
  return value;
}

/** `pnpm --filter server start -- --port 0` hands the script a leading `--`: drop it. */
export function stripLeadingDashDash(argv: readonly string[]): string[] {
  return argv[0] === "--" ? argv.slice(1) : [...argv];
}
