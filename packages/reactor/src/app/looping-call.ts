import { InvalidArgumentError, LoopingCallStateError } from "../core/errors.js";
import { isThenable } from "../core/helpers.js";
import type { DelayedCall, ReactorCore, ReactorTime, TriggerId } from "../core/interfaces.js";
import { reactor as defaultReactor } from "../node/default-reactor.js";

function asCore(
  clock: ReactorTime,
): Pick<ReactorCore, "addSystemEventTrigger" | "removeSystemEventTrigger"> | null {
  const c = clock as Partial<ReactorCore>;
  return typeof c.addSystemEventTrigger === "function" &&
    typeof c.removeSystemEventTrigger === "function"
    ? (c as Pick<ReactorCore, "addSystemEventTrigger" | "removeSystemEventTrigger">)
    : null;
}

/**
 * Calls a function every `intervalMs` milliseconds (Twisted's `task.LoopingCall`).
 *
 * - Calls are aligned on a grid anchored at the start time: if a call is late (slow function,
 *   blocked loop), the missed ticks are **skipped**, never replayed in a burst. Use
 *   {@link LoopingCall.withCount} to learn how many intervals went by.
 * - If the function returns a Promise, the next call is scheduled only once it settles: calls never
 *   overlap.
 * - If the function throws (or its Promise rejects), the loop stops and the Promise returned by
 *   {@link LoopingCall.start} rejects with that error. Nothing is logged.
 * - The time source is {@link LoopingCall.clock}: the default `reactor` unless you set another one
 *   (a test clock, or the reactor you run). On a reactor, a reactor `stop()` stops the loop too (a
 *   stopping reactor cancels its timers): `start()` resolves, and you can start it again on the next
 *   run (a `TimerService` does that for you).
 *
 * @example
 * ```ts
 * const lc = new LoopingCall(() => console.log("tick"));
 * lc.clock = myReactor;
 * const done = lc.start(1000); // first call now, then every second
 * // later: lc.stop(); await done;
 * ```
 */
export class LoopingCall<A extends unknown[] = []> {
  /** The time source (a reactor or a test clock). Set it before `start()`. */
  clock: ReactorTime = defaultReactor;
  /** `true` between `start()` and `stop()` (or a failure). */
  running = false;
  /** The interval in ms, once started. */
  interval: number | null = null;
  /** Time (on `clock.now()`) the loop was started or last reset. */
  starttime: number | null = null;
  /** The pending delayed call, if a call is scheduled (`null` while the function's Promise runs). */
  call: DelayedCall | null = null;
  readonly #fn: (...args: A) => unknown;
  readonly #args: A;
  #settle: { resolve(value: LoopingCall<A>): void; reject(error: unknown): void } | null = null;
  #shutdownTrigger: { core: Pick<ReactorCore, "removeSystemEventTrigger">; id: TriggerId } | null =
    null;
  #runAtStart = false;

  /** Creates a looping call of `fn(...args)`; nothing happens until {@link LoopingCall.start}. */
  constructor(fn: (...args: A) => unknown, ...args: A) {
    this.#fn = fn;
    this.#args = args;
  }

  /**
   * A looping call that passes `countFn` the number of intervals elapsed since its previous call
   * (normally 1; more when ticks were skipped because the loop was late; always 1 with interval 0).
   *
   * @example
   * ```ts
   * const lc = LoopingCall.withCount((n) => { frames += n; });
   * ```
   */
  static withCount(countFn: (count: number) => unknown): LoopingCall<[]> {
    // As Twisted: the time of the last counted call survives stop()/start() and reset(), and the
    // interval number of a time before the (re)start truncates towards zero, so the first call after
    // a reset() or a restart counts the intervals since the later of the two, never a negative one.
    let lastTime: number | null = null;
    const lc: LoopingCall<[]> = new LoopingCall(() => {
      const now = lc.clock.now();
      const interval = lc.interval ?? 0;
      if (interval === 0) {
        lastTime = now;
        return countFn(1);
      }
      const start = lc.starttime ?? now;
      let last = lastTime;
      if (last === null) last = lc.#runAtStart ? start - interval : start;
      const count = Math.trunc((now - start) / interval) - Math.trunc((last - start) / interval);
      if (count > 0) {
        lastTime = now;
        return countFn(count);
      }
      return undefined;
    });
    return lc;
  }

  /**
   * Starts calling the function every `intervalMs` ms; with `now` (default `true`) the first call
   * happens synchronously inside `start()`. Returns a Promise that resolves with this LoopingCall
   * when the loop is stopped, or rejects with the function's error.
   *
   * Throws `InvalidArgumentError` (`ERR_INVALID_ARG`) for a negative or non-finite interval and
   * `LoopingCallStateError` (`ERR_LOOPING_CALL_RUNNING`) if already running.
   */
  start(intervalMs: number, now = true): Promise<LoopingCall<A>> {
    if (this.running) throw new LoopingCallStateError(true);
    if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs < 0) {
      throw new InvalidArgumentError(
        `LoopingCall interval must be a finite number of ms >= 0, got ${String(intervalMs)}.`,
      );
    }
    const promise = new Promise<LoopingCall<A>>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.running = true;
    this.interval = intervalMs;
    this.starttime = this.clock.now();
    this.#runAtStart = now;
    const core = asCore(this.clock);
    if (core) {
      // The reactor cancels every timer when it stops: end the loop cleanly instead of leaving it
      // "running" with nothing scheduled.
      const id = core.addSystemEventTrigger("before", "shutdown", () => {
        if (this.running) this.stop();
      });
      this.#shutdownTrigger = { core, id };
    }
    if (now) this.#tick();
    else this.#scheduleFrom(this.starttime);
    return promise;
  }

  /**
   * Stops the loop. The `start()` Promise resolves now, or, if the function's Promise is still
   * pending, once it settles. Throws `LoopingCallStateError` (`ERR_LOOPING_CALL_NOT_RUNNING`) if
   * not running.
   */
  stop(): void {
    if (!this.running) throw new LoopingCallStateError(false);
    this.running = false;
    this.#dropTrigger();
    if (this.call) {
      if (this.call.active()) this.call.cancel();
      this.call = null;
      this.#finish();
    }
  }

  /** Restarts the schedule grid from now (the next call comes a full interval from now). */
  reset(): void {
    if (!this.running) throw new LoopingCallStateError(false);
    if (this.call) {
      if (this.call.active()) this.call.cancel();
      this.call = null;
      this.starttime = this.clock.now();
      this.#scheduleFrom(this.starttime);
    }
  }

  #tick = (): void => {
    this.call = null;
    let result: unknown;
    try {
      result = this.#fn(...this.#args);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (isThenable(result)) {
      Promise.resolve(result).then(
        () => this.#afterCall(),
        (error: unknown) => this.#fail(error),
      );
    } else {
      this.#afterCall();
    }
  };

  #afterCall(): void {
    if (this.running) this.#scheduleFrom(this.clock.now());
    else this.#finish();
  }

  #fail(error: unknown): void {
    this.running = false;
    this.#dropTrigger();
    const settle = this.#settle;
    this.#settle = null;
    settle?.reject(error);
  }

  #finish(): void {
    const settle = this.#settle;
    this.#settle = null;
    settle?.resolve(this);
  }

  #dropTrigger(): void {
    const t = this.#shutdownTrigger;
    this.#shutdownTrigger = null;
    if (!t) return;
    try {
      t.core.removeSystemEventTrigger(t.id);
    } catch {
      // already removed
    }
  }

  #scheduleFrom(when: number): void {
    const interval = this.interval ?? 0;
    const start = this.starttime ?? when;
    let delay = 0;
    if (interval > 0) {
      const untilNext = interval - ((when - start) % interval);
      // Landing exactly on a tick (or float noise around it) means "a full interval from now".
      delay = when + untilNext === when || untilNext <= 0 ? interval : untilNext;
    }
    this.call = this.clock.callLater(delay, this.#tick);
  }
}
