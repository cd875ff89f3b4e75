import { InvalidArgumentError, SimulationStalledError } from "../core/errors.js";
import type { DelayedCall, ReactorTime } from "../core/interfaces.js";
import { Scheduler } from "./scheduler.js";

/** Options of {@link Clock}. */
export interface ClockOptions {
  /** Virtual time at creation, in ms (default 0). */
  startMs?: number;
  /**
   * Called when a Promise returned by a delayed call rejects (after the call returned, so it cannot
   * make `advance()` throw). Default: the error is appended to {@link Clock.rejections}.
   */
  onRejection?: (error: unknown, call: DelayedCall) => void;
}

/** Options of {@link Clock.runUntil}. */
export interface RunUntilOptions {
  /**
   * Give up once virtual time has moved this far (ms) past the start of `runUntil` without the
   * Promise settling (default: one hour of virtual time).
   */
  maxMs?: number;
  /**
   * How many event-loop turns to wait for outside work (real I/O, other Promises) when no delayed call
   * is pending, before declaring the simulation stalled (default 3).
   */
  idleTurns?: number;
}

// Guards against a call that re-schedules itself with delay 0 forever inside one advance() (Twisted's
// Clock would loop forever).
const MAX_CALLS_PER_ADVANCE = 1_000_000;

/** Resolves after every microtask queued so far (and any they queue) has run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Virtual time for tests (Twisted's `task.Clock`): implements {@link ReactorTime} on `@lr/reactor`'s
 * own {@link Scheduler}, so ordering rules are the real reactor's (equal due times run in scheduling
 * order). Time starts at 0 ms and only moves when the test says so.
 *
 * Differences from the real reactor, as in Twisted: a delayed call that throws makes `advance()`
 * throw (the call is consumed; later calls stay pending), and calls created with delay 0 while
 * `advance()` runs are run by that same `advance()`. `advance()` may be called from inside a delayed
 * call: the nested call runs what falls due, then the outer one goes on. A Promise returned by a
 * call that rejects is kept in {@link Clock.rejections} (never an unhandled rejection).
 *
 * @example
 * ```ts
 * const clock = new Clock();
 * const seen: number[] = [];
 * clock.callLater(1000, () => seen.push(clock.now()));
 * clock.advance(999); // seen: []
 * clock.advance(1);   // seen: [1000]
 * ```
 */
export class Clock implements ReactorTime {
  #now: number;
  readonly #scheduler: Scheduler;
  /** Errors of rejected Promises returned by delayed calls (unless `onRejection` was given), oldest first. */
  readonly rejections: unknown[] = [];

  constructor(options: ClockOptions = {}) {
    this.#now = options.startMs ?? 0;
    this.#scheduler = new Scheduler({
      now: () => this.#now,
      onRejection: options.onRejection ?? ((error) => this.rejections.push(error)),
    });
  }

  /** Current virtual time, ms. */
  now(): number {
    return this.#now;
  }

  /** Current virtual time, seconds. */
  seconds(): number {
    return this.#now / 1000;
  }

  /**
   * Schedules `fn(...args)` `delayMs` virtual milliseconds from now (negative delays count as 0).
   * Throws `InvalidArgumentError` (`ERR_INVALID_ARG`) for a non-numeric delay or a non-function.
   */
  callLater<A extends unknown[]>(
    delayMs: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): DelayedCall {
    return this.#scheduler.callLater(delayMs, fn, ...args);
  }

  /** Every pending call, earliest first (ties in scheduling order). */
  getDelayedCalls(): DelayedCall[] {
    return this.#scheduler.ordered();
  }

  /** Due time (ms) of the earliest pending call, or `undefined` when nothing is pending. */
  nextTime(): number | undefined {
    return this.#scheduler.nextTime();
  }

  /**
   * Moves virtual time forward by `ms`, then runs every call that is due, including calls that become
   * due while doing so. Calls see `now()` equal to the new time. An exception thrown by a call
   * propagates to the caller. Throws `InvalidArgumentError` for a negative or non-finite amount.
   */
  advance(ms: number): void {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new InvalidArgumentError(
        `advance() needs a finite, non-negative number of ms, got ${String(ms)}.`,
      );
    }
    this.#now += ms;
    this.#runDue();
  }

  /** Advances by each amount in turn (Twisted's `Clock.pump`). */
  pump(timings: Iterable<number>): void {
    for (const ms of timings) this.advance(ms);
  }

  /**
   * Advances exactly to the earliest pending call and runs everything due then. Returns `false` (and
   * does nothing) when no call is pending.
   */
  advanceToNext(): boolean {
    const next = this.#scheduler.nextTime();
    if (next === undefined) return false;
    this.advance(Math.max(0, next - this.#now));
    return true;
  }

  /**
   * Advances from call to call until nothing is pending; returns the virtual ms that passed. Throws
   * `SimulationStalledError` (`ERR_SIMULATION_STALLED`) after `maxSteps` steps (a timer that keeps
   * re-arming itself, like a `LoopingCall`, never becomes idle).
   */
  runUntilIdle(maxSteps = 10_000): number {
    const start = this.#now;
    for (let steps = 0; this.advanceToNext(); steps++) {
      if (steps >= maxSteps)
        throw new SimulationStalledError(
          `runUntilIdle(): still busy after ${maxSteps} steps (a timer re-arms itself?).`,
        );
    }
    return this.#now - start;
  }

  /**
   * Like {@link Clock.advance}, but step by step from one due call to the next, letting Promise
   * continuations run between steps: async code that awaits something settled by a delayed call sees
   * the right virtual time. Resolves once time reached `now() + ms`.
   */
  async advanceAsync(ms: number): Promise<void> {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new InvalidArgumentError(
        `advanceAsync() needs a finite, non-negative number of ms, got ${String(ms)}.`,
      );
    }
    const target = this.#now + ms;
    for (;;) {
      await settle();
      const next = this.#scheduler.nextTime();
      if (next === undefined || next > target) break;
      this.advance(Math.max(0, next - this.#now));
    }
    this.advance(target - this.#now);
    await settle();
  }

  /**
   * Drives virtual time until `promise` settles, and returns (or throws) its outcome: lets pending
   * Promise continuations run, then jumps to the next due call, and again. This is how a whole
   * program (reactors, connections, timers, simulated thread jobs) runs in virtual time.
   *
   * Rejects with `SimulationStalledError` (`ERR_SIMULATION_STALLED`) when the Promise is still pending
   * but nothing is scheduled any more (the program waits for something virtual time cannot bring),
   * or when `maxMs` of virtual time passed.
   *
   * @example
   * ```ts
   * const stopped = reactor.run();
   * reactor.callLater(5000, () => reactor.stop());
   * await clock.runUntil(stopped); // returns at once; clock.now() === 5000
   * ```
   */
  async runUntil<T>(promise: PromiseLike<T>, options: RunUntilOptions = {}): Promise<T> {
    const maxMs = options.maxMs ?? 3_600_000;
    const idleTurns = options.idleTurns ?? 3;
    let settled = false;
    const observed = Promise.resolve(promise).then(
      (value) => {
        settled = true;
        return value;
      },
      (error: unknown) => {
        settled = true;
        throw error;
      },
    );
    // The outcome is delivered by `return observed` below; this avoids an unhandled-rejection report meanwhile.
    observed.catch(() => {});
    const deadline = this.#now + maxMs;
    let idle = 0;
    for (;;) {
      await settle();
      if (settled) return observed;
      const next = this.#scheduler.nextTime();
      if (next === undefined) {
        if (++idle >= idleTurns) {
          throw new SimulationStalledError(
            `runUntil(): the awaited Promise is still pending at ${this.#now} ms but no delayed call is scheduled: the program waits for something virtual time cannot bring.`,
          );
        }
        continue;
      }
      idle = 0;
      if (next > deadline) {
        throw new SimulationStalledError(
          `runUntil(): the awaited Promise is still pending after ${maxMs} ms of virtual time.`,
        );
      }
      this.advance(Math.max(0, next - this.#now));
    }
  }

  #runDue(): void {
    for (let calls = 0; this.#scheduler.runNext(this.#now); ) {
      if (++calls >= MAX_CALLS_PER_ADVANCE) {
        throw new SimulationStalledError(
          `advance(): ${MAX_CALLS_PER_ADVANCE} calls fell due in one advance (a delay-0 loop?).`,
        );
      }
    }
  }
}
