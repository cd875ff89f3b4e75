/**
 * The progress display shown in a terminal while the job runs: a spinner, a bar and the elapsed
 * and expected time, redrawn in place on one line. Pure formatting; the caller decides when to draw.
 */

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] as const;

/** Erases the current terminal line and returns the cursor to its start. */
export const CLEAR_LINE = "\r\x1b[2K";

/**
 * Renders one frame, e.g. `⠹ [########············] 2.1s / 5.0s`.
 *
 * @example
 * ```ts
 * renderProgress(2100, 5000, 3, 20); // "⠸ [########············] 2.1s / 5.0s"
 * ```
 */
export function renderProgress(
  elapsedMs: number,
  expectedMs: number,
  frame: number,
  width = 24,
): string {
  const ratio = expectedMs > 0 ? Math.min(1, Math.max(0, elapsedMs / expectedMs)) : 1;
  const filled = Math.round(ratio * width);
  const spinner = SPINNER[frame % SPINNER.length] ?? SPINNER[0];
  const bar = "#".repeat(filled) + "·".repeat(width - filled);
  return `${spinner} [${bar}] ${(elapsedMs / 1000).toFixed(1)}s / ${(expectedMs / 1000).toFixed(1)}s`;
}
