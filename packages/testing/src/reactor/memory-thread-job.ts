import { type DelayedCall, JobCancelledError, type ReactorTime, type ThreadJob } from "@lr/reactor";
import { ThreadJobStateError } from "../errors.js";

/** Where a {@link MemoryThreadJob} is in its life. */
export type MemoryThreadJobState = "queued" | "running" | "resolved" | "rejected" | "cancelled";

/**
 * A `deferToThread`/`runInThread` call recorded by a memory reactor instead of running in a worker.
 * The test (or the reactor's `onThreadJob` hook) decides its outcome: {@link MemoryThreadJob.resolve},
 * {@link MemoryThreadJob.reject}, or {@link MemoryThreadJob.completeAfter} to simulate how long it
 * takes in virtual time. A job submitted while the reactor is stopped is `queued` until it runs (an
 * outcome decided meanwhile applies once it starts); jobs still pending when the reactor stops are
 * rejected with `JobCancelledError` (`ERR_JOB_CANCELLED`).
 *
 * @example
 * ```ts
 * reactor.onThreadJob = (job) => job.completeAfter(5000, 42); // every job "takes" 5 s and returns 42
 * ```
 */
export class MemoryThreadJob {
  /** The module URL or path given. */
  readonly module: string | URL;
  /** The export to call. */
  readonly exportName: string;
  /** The arguments given. */
  readonly args: readonly unknown[];
  /** The job's AbortSignal, if any. */
  readonly signal: AbortSignal | undefined;
  #state: MemoryThreadJobState = "queued";
  #claimed = false;
  #planned: (() => void) | null = null;
  #timer: DelayedCall | null = null;
  readonly #clock: ReactorTime;
  readonly #settle: (ok: boolean, value: unknown) => void;

  /** @internal created by a memory reactor */
  constructor(job: ThreadJob, clock: ReactorTime, settle: (ok: boolean, value: unknown) => void) {
    this.module = job.module;
    this.exportName = job.exportName ?? "default";
    this.args = job.args ?? [];
    this.signal = job.signal;
    this.#clock = clock;
    this.#settle = settle;
  }

  /** `queued`, `running`, `resolved`, `rejected` or `cancelled`. */
  get state(): MemoryThreadJobState {
    return this.#state;
  }

  /** `true` while the job is queued or running. */
  get pending(): boolean {
    return this.#state === "queued" || this.#state === "running";
  }

  /** Completes the job with `value` (now, or when it starts if queued). Throws `ThreadJobStateError` if its outcome was already decided. */
  resolve(value?: unknown): void {
    this.#claim(() => this.#finish(true, value));
  }

  /** Fails the job with `error` (now, or when it starts). Throws `ThreadJobStateError` if its outcome was already decided. */
  reject(error: unknown): void {
    this.#claim(() => this.#finish(false, error));
  }

  /**
   * Completes the job with `value` `ms` virtual milliseconds after it starts running (on the reactor's
   * clock). Throws `ThreadJobStateError` if its outcome was already decided.
   */
  completeAfter(ms: number, value?: unknown): void {
    this.#claim(() => {
      this.#timer = this.#clock.callLater(ms, () => this.#finish(true, value));
    });
  }

  /** Like {@link MemoryThreadJob.completeAfter}, but fails with `error`. */
  failAfter(ms: number, error: unknown): void {
    this.#claim(() => {
      this.#timer = this.#clock.callLater(ms, () => this.#finish(false, error));
    });
  }

  /** @internal the reactor started the job */
  start(): void {
    if (this.#state !== "queued") return;
    this.#state = "running";
    const planned = this.#planned;
    this.#planned = null;
    planned?.();
  }

  /** @internal the reactor stopped, or the signal fired */
  cancel(reason: string): void {
    if (!this.pending) return;
    if (this.#timer?.active()) this.#timer.cancel();
    this.#timer = null;
    this.#planned = null;
    this.#state = "cancelled";
    this.#settle(false, new JobCancelledError(reason));
  }

  #claim(action: () => void): void {
    if (this.#claimed || !this.pending)
      throw new ThreadJobStateError(
        `The outcome of the thread job ${this.exportName} was already decided (state: ${this.#state}).`,
      );
    this.#claimed = true;
    if (this.#state === "running") action();
    else this.#planned = action;
  }

  #finish(ok: boolean, value: unknown): void {
    if (this.#state !== "running") return;
    this.#timer = null;
    this.#state = ok ? "resolved" : "rejected";
    this.#settle(ok, value);
  }
}
