/**
 * The progress display shown in a terminal while the job runs: a spinner, a bar and the elapsed
 * and expected time, redrawn in place on one line. Pure formatting; the caller decides when to draw.
 */

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] as const;

/** Erases the current terminal line and returns the cursor to its start. */
export const CLEAR_LINE = "\r\x1b[2K";

/** The widest bar drawn, in cells. */
export const MAX_BAR = 24;

/**
 * Renders one frame, e.g. `⠹ [########············] 2.1s / 5.0s`, at most `columns - 1` cells wide
 * (the last column stays free so the terminal never wraps): the bar shrinks to fit, is left out
 * below 4 cells, and the times are cut last.
 *
 * @example
 * ```ts
 * renderProgress(2100, 5000, 3, 80); // "⠸ [##########··············] 2.1s / 5.0s"
 * renderProgress(2100, 5000, 3, 16); // "⠸ 2.1s / 5.0s"
 * ```
 */
export function renderProgress(
  elapsedMs: number,
  expectedMs: number,
  frame: number,
  columns = 80,
): string {
  const ratio = expectedMs > 0 ? Math.min(1, Math.max(0, elapsedMs / expectedMs)) : 1;
  const spinner = SPINNER[frame % SPINNER.length] ?? SPINNER[0];
  const times = `${(elapsedMs / 1000).toFixed(1)}s / ${(expectedMs / 1000).toFixed(1)}s`;
  const room = Math.max(0, columns - 1);
  // spinner + " [" + bar + "] " + times
  const width = Math.min(MAX_BAR, room - 5 - times.length);
  if (width >= 4) {
    const filled = Math.round(ratio * width);
    const bar = "#".repeat(filled) + "·".repeat(width - filled);
    return `${spinner} [${bar}] ${times}`;
  }
  return `${spinner} ${times}`.slice(0, room);
}
