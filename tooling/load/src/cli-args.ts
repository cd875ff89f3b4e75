/**
 * Command-line parsing shared by the tools run through pnpm scripts (`pnpm soak`, `pnpm bench:e2e`):
 * node:util parseArgs, a leading `--` (which `pnpm soak -- --minutes 10` passes through) skipped, and
 * a bad flag reported as one line and exit code 2 instead of a stack trace.
 */
import { writeSync } from "node:fs";
import { type ParseArgsConfig, parseArgs } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `argv` (default: this process's arguments) with `options`; exits 2 on a bad flag. */
export function toolArgs<const O extends Options>(
  tool: string,
  options: O,
  argv: readonly string[] = process.argv.slice(2),
): ReturnType<typeof parseArgs<{ options: O; strict: true }>>["values"] {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  try {
    return parseArgs({ args, options, strict: true }).values;
  } catch (error) {
    writeSync(2, `${tool}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}
