import { AlreadyCalled, AlreadyCancelled, InvalidArgumentError } from "./errors.js";
import type { DelayedCall } from "./interfaces.js";

const PENDING = 0;
/** The arguments of every call scheduled without any (shared, never mutated). */
const NO_ARGS: unknown[] = [];
const CALLED = 1;
const CANCELLED = 2;
const RUNNING = 3;

/**
 * A pending call owned by a {@link Scheduler}. Lives in the scheduler's binary heap and knows its
 * own index there, so reset/delay are O(log n); cancel is O(1) (the slot is skipped lazily).
 */
class ScheduledCall implements DelayedCall {
  time: number;
  seq: number;
  /** Index in the heap, or -1 while waiting in the scheduler's "created during this pass" list. */
  index = -1;
  status = PENDING;
  fn: ((...args: never[]) => unknown) | null;
  args: unknown[] | null;
  readonly #owner: Scheduler;

  constructor(owner: Scheduler, time: number, seq: number, fn: (...args: never[]) => unknown, args: unknown[]) {
    this.#owner = owner;
    this.time = time;
    this.seq = seq;
    this.fn = fn;
    this.args = args;
  }

  getTime(): number {
    return this.time;
  }

  active(): boolean {
    return this.status === PENDING;
  }

  #check(): void {
    if (this.status === CANCELLED) throw new AlreadyCancelled();
    if (this.status !== PENDING) throw new AlreadyCalled();
  }

  cancel(): void {
    this.#check();
    this.status = CANCELLED;
    this.fn = null;
    this.args = null;
    this.#owner.noteCancelled(this);
  }

  reset(delayMs: number): void {
    this.#check();
    this.#owner.move(this, this.#owner.now() + checkDelay(delayMs));
  }

  delay(delayMs: number): void {
    this.#check();
    // Unlike callLater/reset, a shift may be negative (Twisted's delay() moves the call earlier).
    if (typeof delayMs !== "number" || Number.isNaN(delayMs)) checkDelay(delayMs);
    this.#owner.move(this, this.time + delayMs);
  }

  toString(): string {
    const name = this.fn?.name || "anonymous";
    return `<DelayedCall ${name} due at ${this.time.toFixed(3)} ms>`;
  }
}

function checkDelay(delayMs: number): number {
  if (typeof delayMs !== "number" || Number.isNaN(delayMs)) {
    throw new InvalidArgumentError(`Delay must be a number of milliseconds, got ${String(delayMs)}.`);
  }
  return delayMs < 0 ? 0 : delayMs;
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
  /** Called whenever the earliest due time may have moved earlier (for a driver to re-arm its timer). */
  onEarlier?: (time: number) => void;
}

/**
 * The one timer mechanism of lr: a binary heap of delayed calls ordered by (due time, creation order),
 * with no I/O and no Node timers inside. The real reactor drives it with a single Node timer;
 * `@lr/testing`'s Clock drives it with virtual time. Ordering rules are therefore identical:
 *
 * - calls due at the same time run in the order they were scheduled;
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
  readonly #onEarlier: ((time: number) => void) | undefined;

  constructor(options: SchedulerOptions) {
    this.#now = options.now;
    this.#onError =
      options.onError ??
      ((error) => {
        throw error;
      });
    this.#onEarlier = options.onEarlier;
  }

  /** The scheduler's current time in ms. */
  now(): number {
    return this.#now();
  }

  /** Schedules `fn(...args)` at `now() + delayMs`. */
  callLater<A extends unknown[]>(delayMs: number, fn: (...args: A) => unknown, ...args: A): DelayedCall;
  callLater(delayMs: number, fn: (...args: never[]) => unknown): DelayedCall {
    // No rest parameter: most calls pass no arguments, and an array per call was a large share of
    // the garbage collector's work in the callLater benchmark.
    // biome-ignore lint/complexity/noArguments: avoids the rest-parameter allocation (see above)
    const args = arguments.length > 2 ? Array.prototype.slice.call(arguments, 2) : NO_ARGS;
    return this.schedule(this.#now() + checkDelay(delayMs), fn, args);
  }

  /** Schedules `fn(...args)` at the absolute time `time` (ms). */
  schedule(time: number, fn: (...args: never[]) => unknown, args: unknown[]): DelayedCall {
    if (typeof fn !== "function") throw new InvalidArgumentError("callLater needs a function to call.");
    const call = new ScheduledCall(this, time, this.#seq++, fn, args);
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
    return this.#heap.length - this.#cancelledInHeap + this.#created.filter((c) => c.status === PENDING).length;
  }

  /** Due time of the earliest pending call, or `undefined` when none is pending. */
  nextTime(): number | undefined {
    this.#dropCancelledTop();
    const top = this.#heap[0];
    let next = top?.time;
    for (const c of this.#created) {
      if (c.status === PENDING && (next === undefined || c.time < next)) next = c.time;
    }
    return next;
  }

  /** Every pending call, in no particular order. */
  pending(): DelayedCall[] {
    const out: DelayedCall[] = [];
    for (const c of this.#heap) if (c.status === PENDING) out.push(c);
    for (const c of this.#created) if (c.status === PENDING) out.push(c);
    return out;
  }

  /**
   * Runs one pass: every pending call due at or before `now`, in order, except calls created during
   * the pass (they wait for the next pass). Returns how many calls ran.
   */
  runDue(now: number = this.#now()): number {
    if (this.#inPass) return 0;
    this.#inPass = true;
    let ran = 0;
    const heap = this.#heap;
    try {
      while (heap.length > 0) {
        const top = heap[0] as ScheduledCall;
        if (top.status === CANCELLED) {
          this.#popTop();
          this.#cancelledInHeap--;
          continue;
        }
        if (top.time > now) break;
        this.#popTop();
        const fn = top.fn as (...args: unknown[]) => unknown;
        const args = top.args as unknown[];
        top.status = RUNNING;
        top.fn = null;
        top.args = null;
        ran++;
        try {
          const result = fn(...args);
          if (result !== null && typeof result === "object" && typeof (result as PromiseLike<unknown>).then === "function") {
            (result as PromiseLike<unknown>).then(undefined, (error: unknown) => this.#onError(error, top));
          }
        } catch (error) {
          top.status = CALLED;
          this.#onError(error, top);
        }
        top.status = CALLED;
      }
    } finally {
      this.#inPass = false;
      const created = this.#created;
      if (created.length > 0) {
        this.#created = [];
        let earliest = Number.POSITIVE_INFINITY;
        for (const c of created) {
          if (c.status !== PENDING) continue;
          this.#push(c);
          if (c.time < earliest) earliest = c.time;
        }
        if (earliest !== Number.POSITIVE_INFINITY) this.#onEarlier?.(earliest);
      }
    }
    return ran;
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

  /** @internal bookkeeping for ScheduledCall.cancel */
  noteCancelled(call: ScheduledCall): void {
    if (call.index < 0) {
      const i = this.#created.indexOf(call);
      if (i >= 0) this.#created.splice(i, 1);
      return;
    }
    this.#cancelledInHeap++;
    // Compact when three quarters of the heap are dead weight: memory stays within 4x the live calls,
    // and each rebuild only re-heapifies the live quarter (at one half, rebuilds were a sixth of the
    // time of a schedule-then-cancel burst). When nothing is live the rebuild is a plain truncation.
    const dead = this.#cancelledInHeap;
    if (dead > 64 && dead * 4 > this.#heap.length * 3) this.#compact();
  }

  /** @internal used by ScheduledCall.reset/delay */
  move(call: ScheduledCall, time: number): void {
    const earlier = time < call.time;
    call.time = time;
    call.seq = this.#seq++;
    if (call.index < 0) return; // still in the created-during-pass list
    if (earlier) {
      this.#siftUp(call.index);
      if (call.index === 0) this.#onEarlier?.(time);
    } else {
      this.#siftDown(call.index);
    }
  }

  #compact(): void {
    const heap = this.#heap;
    if (this.#cancelledInHeap === heap.length) {
      for (const c of heap) c.index = -1;
      heap.length = 0;
      this.#cancelledInHeap = 0;
      return;
    }
    let w = 0;
    for (let r = 0; r < heap.length; r++) {
      const c = heap[r] as ScheduledCall;
      if (c.status === PENDING) heap[w++] = c;
      else c.index = -1;
    }
    heap.length = w;
    this.#cancelledInHeap = 0;
    for (let i = 0; i < w; i++) (heap[i] as ScheduledCall).index = i;
    for (let i = (w >> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  #dropCancelledTop(): void {
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as ScheduledCall).status === CANCELLED) {
      this.#popTop();
      this.#cancelledInHeap--;
    }
  }

  #push(call: ScheduledCall): void {
    const heap = this.#heap;
    call.index = heap.length;
    heap.push(call);
    this.#siftUp(call.index);
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
