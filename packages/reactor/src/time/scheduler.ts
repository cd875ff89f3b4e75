import { AlreadyCalled, AlreadyCancelled, InvalidArgumentError } from "../core/errors.js";
import { isThenable } from "../core/helpers.js";
import type { DelayedCall } from "../core/interfaces.js";

/** The arguments of every call scheduled without any (shared, never mutated). */
const NO_ARGS: unknown[] = [];

type CallFn = (...args: never[]) => unknown;

/** Stored in `fn` of a cancelled call. A call that ran (or is running) has `fn === null`. */
function cancelledMarker(): void {}

/**
 * A pending call owned by a {@link Scheduler}. Lives in the scheduler's binary heap and knows its own
 * index there, so reset/delay are O(log n); cancel is O(1) (the slot is skipped lazily).
 *
 * Why a plain object literal and not a class instance: a timer queue keeps its calls alive for a long
 * time, and V8 pretenures (allocates straight into the old generation) objects created by a literal
 * whose objects tend to survive, but never instances created with `new`. Surviving class instances
 * get copied by every young-generation GC; in the 1,000,000-call benchmark that copying was over half
 * of the time. The methods are therefore fields pointing at functions shared by all calls of one
 * scheduler (closures over it, so the scheduler itself is not a field), and the status is folded
 * into `fn`: a function while pending, {@link cancelledMarker} once cancelled, `null` once run.
 */
interface ScheduledCall extends DelayedCall {
  time: number;
  seq: number;
  /** Index in the heap, or -1 while waiting in the scheduler's "created during this pass" list. Meaningless once not pending. */
  index: number;
  fn: CallFn | null;
  args: unknown[] | null;
  toString(): string;
}

/** The methods every call of one scheduler shares. */
type CallMethods = Pick<
  ScheduledCall,
  "getTime" | "active" | "cancel" | "reset" | "delay" | "toString"
>;

function check(call: ScheduledCall): void {
  if (call.fn === cancelledMarker) throw new AlreadyCancelled();
  if (call.fn === null) throw new AlreadyCalled();
}

function checkDelay(delayMs: number): number {
  if (typeof delayMs !== "number" || Number.isNaN(delayMs)) {
    throw new InvalidArgumentError(
      `Delay must be a number of milliseconds, got ${String(delayMs)}.`,
    );
  }
  return Math.max(delayMs, 0);
}

function isPending(call: ScheduledCall): boolean {
  return call.fn !== null && call.fn !== cancelledMarker;
}

function before(a: ScheduledCall, b: ScheduledCall): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** Options of a {@link Scheduler}. */
export interface SchedulerOptions {
  /** The clock, in milliseconds. */
  now: () => number;
  /** Called when a call throws (or rejects). Default: rethrow (Clock semantics). */
  onError?: (error: unknown, call: DelayedCall) => void;
  /**
   * Called when a Promise returned by a call rejects, later. Default: `onError` when given; without
   * either, the rejection is dropped rather than rethrown (a rethrow there could only surface as an
   * unhandled rejection of the process).
   */
  onRejection?: (error: unknown, call: DelayedCall) => void;
  /** Called whenever the earliest due time may have moved earlier (for a driver to re-arm its timer). */
  onEarlier?: (time: number) => void;
}

/**
 * The one timer mechanism of lr: a binary heap of delayed calls ordered by (due time, creation order),
 * with no I/O and no Node timers inside. The real reactor drives it with a single Node timer;
 * `@lr/testing`'s Clock drives it with virtual time. Ordering rules are therefore identical:
 *
 * - calls due at the same time run in the order they were scheduled (created): moving a call with
 *   `reset()`/`delay()` keeps its place among calls due at its new time;
 * - a call scheduled while a pass is running never runs in that same pass, even with delay 0;
 * - a call that throws is reported through `onError` and the pass goes on.
 */
export class Scheduler {
  readonly #heap: ScheduledCall[] = [];
  #created: ScheduledCall[] = [];
  #seq = 0;
  #cancelledInHeap = 0;
  #inPass = false;
  readonly #now: () => number;
  readonly #onError: (error: unknown, call: DelayedCall) => void;
  readonly #onRejection: (error: unknown, call: DelayedCall) => void;
  readonly #onEarlier: ((time: number) => void) | undefined;
  readonly #methods: CallMethods;

  constructor(options: SchedulerOptions) {
    this.#now = options.now;
    this.#onError =
      options.onError ??
      ((error) => {
        throw error;
      });
    this.#onRejection = options.onRejection ?? options.onError ?? (() => {});
    this.#onEarlier = options.onEarlier;
    const scheduler = this;
    this.#methods = {
      getTime(this: ScheduledCall): number {
        return this.time;
      },
      active(this: ScheduledCall): boolean {
        return this.fn !== null && this.fn !== cancelledMarker;
      },
      cancel(this: ScheduledCall): void {
        check(this);
        this.fn = cancelledMarker;
        this.args = null;
        scheduler.#noteCancelled(this);
      },
      reset(this: ScheduledCall, delayMs: number): void {
        check(this);
        scheduler.#move(this, scheduler.#now() + checkDelay(delayMs));
      },
      delay(this: ScheduledCall, delayMs: number): void {
        check(this);
        // Unlike callLater/reset, a shift may be negative (Twisted's delay() moves the call earlier).
        if (typeof delayMs !== "number" || Number.isNaN(delayMs)) checkDelay(delayMs);
        const time = this.time + delayMs;
        // As callLater: the due time stays a number of ms, +Infinity meaning "never"; a shift that
        // makes it NaN (Infinity - Infinity) or -Infinity is refused, not fired at once.
        if (Number.isNaN(time) || time === Number.NEGATIVE_INFINITY) {
          throw new InvalidArgumentError(
            `delay(${String(delayMs)}) would move the call due at ${String(this.time)} ms to ${String(time)} ms.`,
          );
        }
        scheduler.#move(this, time);
      },
      toString(this: ScheduledCall): string {
        const fn = this.fn;
        const name = (fn !== cancelledMarker && fn?.name) || "anonymous";
        return `<DelayedCall ${name} due at ${this.time.toFixed(3)} ms>`;
      },
    };
  }

  /** The scheduler's current time in ms. */
  now(): number {
    return this.#now();
  }

  /** Schedules `fn(...args)` at `now() + delayMs`. */
  callLater<A extends unknown[]>(
    delayMs: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): DelayedCall;
  callLater(delayMs: number, fn: CallFn): DelayedCall {
    // No rest parameter: most calls pass no arguments, and an array per call was a large share of
    // the garbage collector's work in the callLater benchmark.
    // biome-ignore lint/complexity/noArguments: avoids the rest-parameter allocation (see above)
    const args = arguments.length > 2 ? Array.prototype.slice.call(arguments, 2) : NO_ARGS;
    return this.schedule(this.#now() + checkDelay(delayMs), fn, args);
  }

  /** Schedules `fn(...args)` at the absolute time `time` (ms). */
  schedule(time: number, fn: CallFn, args: unknown[]): DelayedCall {
    if (typeof fn !== "function")
      throw new InvalidArgumentError("callLater needs a function to call.");
    const m = this.#methods;
    // One literal site for every call (see ScheduledCall for why a literal).
    const call: ScheduledCall = {
      time,
      seq: this.#seq++,
      index: -1,
      fn,
      args,
      getTime: m.getTime,
      active: m.active,
      cancel: m.cancel,
      reset: m.reset,
      delay: m.delay,
      toString: m.toString,
    };
    if (this.#inPass) {
      this.#created.push(call);
    } else {
      this.#push(call);
      if (call.index === 0) this.#onEarlier?.(time);
    }
    return call;
  }

  /** Number of pending (not cancelled, not run) calls. */
  get size(): number {
    return this.#heap.length - this.#cancelledInHeap + this.#created.filter(isPending).length;
  }

  /** Due time of the earliest pending call, or `undefined` when none is pending. */
  nextTime(): number | undefined {
    this.#maybeCompact();
    this.#dropCancelledTop();
    const top = this.#heap[0];
    let next = top?.time;
    for (const c of this.#created) {
      if (isPending(c) && (next === undefined || c.time < next)) next = c.time;
    }
    return next;
  }

  /** Every pending call, in no particular order. */
  pending(): DelayedCall[] {
    const out: DelayedCall[] = [];
    for (const c of this.#heap) if (isPending(c)) out.push(c);
    for (const c of this.#created) if (isPending(c)) out.push(c);
    return out;
  }

  /** Every pending call, earliest first; calls due at the same time in the order they were scheduled. */
  ordered(): DelayedCall[] {
    const out: ScheduledCall[] = [];
    for (const c of this.#heap) if (isPending(c)) out.push(c);
    for (const c of this.#created) if (isPending(c)) out.push(c);
    return out.sort((a, b) => a.time - b.time || a.seq - b.seq);
  }

  /**
   * Runs the one earliest pending call if it is due at `now` (no pass: a call it schedules, even with
   * delay 0, can run in the next `runNext`, and `runNext` may be called from inside a call, as a
   * nested `Clock.advance()` does). Returns whether a call ran. An error thrown by the call goes to
   * `onError` (by default: out of `runNext`).
   */
  runNext(now: number = this.#now()): boolean {
    this.#maybeCompact();
    this.#dropCancelledTop();
    let top = this.#heap[0];
    if (this.#created.length > 0) {
      // Calls created during a pass of runDue() still wait in #created; they count here too.
      for (const c of this.#created) {
        if (isPending(c) && (top === undefined || before(c, top))) top = c;
      }
    }
    if (top === undefined || top.time > now) return false;
    if (top.index >= 0) this.#removeAt(top.index);
    else this.#created.splice(this.#created.indexOf(top), 1);
    this.#invoke(top);
    return true;
  }

  /**
   * Runs one pass: every pending call due at or before `now`, in order, except calls created during
   * the pass (they wait for the next pass). Returns how many calls ran.
   */
  runDue(now: number = this.#now()): number {
    if (this.#inPass) return 0;
    this.#inPass = true;
    this.#maybeCompact();
    let ran = 0;
    const heap = this.#heap;
    try {
      while (heap.length > 0) {
        const top = heap[0] as ScheduledCall;
        if (top.fn === cancelledMarker) {
          this.#popTop();
          this.#cancelledInHeap--;
          continue;
        }
        if (top.time > now) break;
        this.#popTop();
        ran++;
        this.#invoke(top);
      }
    } finally {
      this.#inPass = false;
      const created = this.#created;
      if (created.length > 0) {
        this.#created = [];
        let earliest = Number.POSITIVE_INFINITY;
        for (const c of created) {
          if (!isPending(c)) continue;
          this.#push(c);
          if (c.time < earliest) earliest = c.time;
        }
        if (earliest !== Number.POSITIVE_INFINITY) this.#onEarlier?.(earliest);
      }
    }
    return ran;
  }

  /** Runs a call taken out of the heap; from here on it counts as run (active() false, cancel() throws AlreadyCalled). */
  #invoke(call: ScheduledCall): void {
    const fn = call.fn as (...args: unknown[]) => unknown;
    const args = call.args as unknown[];
    call.fn = null;
    call.args = null;
    let result: unknown;
    try {
      result = fn(...args);
    } catch (error) {
      this.#onError(error, call);
      return;
    }
    if (isThenable(result)) {
      result.then(undefined, (error: unknown) => this.#onRejection(error, call));
    }
  }

  /** Cancels every pending call. Returns how many were cancelled. */
  cancelAll(): number {
    let n = 0;
    for (const c of this.pending()) {
      c.cancel();
      n++;
    }
    return n;
  }

  #noteCancelled(call: ScheduledCall): void {
    if (call.index < 0) {
      const i = this.#created.indexOf(call);
      if (i >= 0) this.#created.splice(i, 1);
      return;
    }
    // Cancelled calls stay in the heap as dead weight until they reach the top or the heap is
    // compacted; cancel() itself stays O(1) and never compacts (see #maybeCompact).
    this.#cancelledInHeap++;
  }

  #move(call: ScheduledCall, time: number): void {
    const earlier = time < call.time;
    call.time = time;
    // seq is kept: among calls due at the same time, a moved call keeps its scheduling order.
    if (call.index < 0) return; // still in the created-during-pass list
    if (earlier) {
      this.#siftUp(call.index);
      if (call.index === 0) this.#onEarlier?.(time);
    } else {
      this.#siftDown(call.index);
    }
  }

  /**
   * Compacts when three quarters of the heap are dead weight, so memory stays within 4x the live
   * calls. Checked where the heap grows (#push) and before a pass or a look at the earliest call, not
   * in cancel(): a burst of cancels then costs nothing here, and once it has cancelled everything the
   * next check finds the heap all dead and truncates it without visiting a single call. (Compacting
   * from cancel() walked the heap about 1.3 times per burst, a fifth of a schedule-then-cancel burst.)
   */
  #maybeCompact(): void {
    const dead = this.#cancelledInHeap;
    if (dead > 64 && dead * 4 > this.#heap.length * 3) this.#compact();
  }

  #compact(): void {
    const heap = this.#heap;
    if (this.#cancelledInHeap === heap.length) {
      heap.length = 0; // a dead call's index is never read again
      this.#cancelledInHeap = 0;
      return;
    }
    let w = 0;
    for (let r = 0; r < heap.length; r++) {
      const c = heap[r] as ScheduledCall;
      if (c.fn !== cancelledMarker) heap[w++] = c;
    }
    heap.length = w;
    this.#cancelledInHeap = 0;
    for (let i = 0; i < w; i++) (heap[i] as ScheduledCall).index = i;
    for (let i = (w >> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  #dropCancelledTop(): void {
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as ScheduledCall).fn === cancelledMarker) {
      this.#popTop();
      this.#cancelledInHeap--;
    }
  }

  #push(call: ScheduledCall): void {
    this.#maybeCompact();
    const heap = this.#heap;
    call.index = heap.length;
    heap.push(call);
    this.#siftUp(call.index);
  }

  /** Takes the call at heap index `i` out of the heap. */
  #removeAt(i: number): void {
    const heap = this.#heap;
    const call = heap[i] as ScheduledCall;
    const last = heap.pop() as ScheduledCall;
    call.index = -1;
    if (last === call) return;
    heap[i] = last;
    last.index = i;
    this.#siftUp(i);
    this.#siftDown(last.index);
  }

  #popTop(): void {
    const heap = this.#heap;
    const top = heap[0] as ScheduledCall;
    const last = heap.pop() as ScheduledCall;
    top.index = -1;
    if (last !== top) {
      heap[0] = last;
      last.index = 0;
      this.#siftDown(0);
    }
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    const item = heap[i] as ScheduledCall;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex] as ScheduledCall;
      if (!before(item, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = parentIndex;
    }
    heap[i] = item;
    item.index = i;
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const item = heap[i] as ScheduledCall;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      if (r < n && before(heap[r] as ScheduledCall, heap[l] as ScheduledCall)) child = r;
      const c = heap[child] as ScheduledCall;
      if (!before(c, item)) break;
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = item;
    item.index = i;
  }
}
