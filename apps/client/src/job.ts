/**
 * The client's long-running job, loaded by the reactor's worker pool from `dist/job.js`:
 * `reactor.deferToThread(new URL("./job.js", import.meta.url), "run", seconds)`.
 *
 * It blocks its thread for real, as the seed's `time.sleep(5)` blocked the reactor. Blocking a
 * worker is the point: the main thread's event loop stays free to print what the server sends.
 */

/** What the job reports back. */
export interface JobResult {
  /** Milliseconds the job actually blocked its thread. */
  readonly elapsedMs: number;
}

/**
 * Blocks the calling thread for `seconds` (Atomics.wait: a real blocking wait, no busy loop).
 *
 * @throws {RangeError} for a negative or non-finite duration.
 * @example
 * ```ts
 * const { elapsedMs } = await reactor.deferToThread<JobResult>(jobUrl, "run", 5);
 * ```
 */
export function run(seconds: number): JobResult {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`The job needs a duration in seconds >= 0, got ${String(seconds)}`);
  }
  const started = performance.now();
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const deadline = started + seconds * 1000;
  // Atomics.wait may wake early (spuriously): wait again for whatever is left.
  for (let left = deadline - performance.now(); left > 0; left = deadline - performance.now()) {
    Atomics.wait(cell, 0, 0, left);
  }
  return { elapsedMs: performance.now() - started };
}
