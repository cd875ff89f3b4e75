/**
 * A test-only virtual clock on the exported {@link Scheduler} (the reactor's own tests cannot use
 * `@lr/testing`, which depends on this package). Not exported from the package and not published.
 */
import type { DelayedCall, ReactorTime } from "../interfaces.js";
import { Scheduler } from "../scheduler.js";

/** Virtual time in milliseconds, advanced by hand. Errors in calls propagate out of `advance`. */
export class VirtualClock implements ReactorTime {
  #now = 0;
  readonly scheduler: Scheduler;

  constructor(options: { onError?: (error: unknown, call: DelayedCall) => void } = {}) {
    this.scheduler = new Scheduler({
      now: () => this.#now,
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  now(): number {
    return this.#now;
  }

  seconds(): number {
    return this.#now / 1000;
  }

  callLater<A extends unknown[]>(
    delayMs: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): DelayedCall {
    return this.scheduler.callLater(delayMs, fn, ...args);
  }

  getDelayedCalls(): DelayedCall[] {
    return this.scheduler.pending();
  }

  /** Moves time forward by `ms`, then runs one pass of every call due. */
  advance(ms: number): void {
    this.#now += ms;
    this.scheduler.runDue(this.#now);
  }

  /** Moves time forward by `ms` and keeps running passes until nothing more is due (like Twisted's Clock). */
  advanceAll(ms: number): void {
    this.#now += ms;
    while (this.scheduler.runDue(this.#now) > 0) {}
  }
}
