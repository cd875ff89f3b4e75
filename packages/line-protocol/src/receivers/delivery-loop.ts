/**
 * The one delivery loop of every receiver in this package (LineReceiver, LineOnlyReceiver,
 * NetstringReceiver, IntNStringReceiver): pausable, re-entrancy safe (FIFO), nothing delivered while
 * the transport is disconnecting, and the promises of async handlers returned from `dataReceived`.
 */
import { type Producer, Protocol } from "@lr/reactor";
import { EMPTY } from "../bytes.js";
import { collectThenable, type PendingResults, settle } from "./protocol-support.js";

/**
 * Base of the receivers (not exported from the package). A subclass implements `deliver` (decode
 * and hand out what it can in its current mode) and `hold` (keep bytes for later, in order).
 */
export abstract class DeliveryLoop extends Protocol implements Producer {
  /** `true` while delivery is held back by {@link DeliveryLoop.pauseProducing}. */
  paused = false;
  #busy = false;
  #pending: PendingResults = null;

  /**
   * Decodes `data` after anything held and delivers what it can. Returns `true` when nothing more
   * can be delivered from what is held, `false` when it stopped early (a mode switch, a pause, a
   * changed setting): the loop then calls it again with an empty chunk while delivery is allowed.
   * `resumed` is `false` for the first call of a `dataReceived`, `true` for the calls after a stop.
   */
  protected abstract deliver(data: Uint8Array, resumed: boolean): boolean;

  /** Keeps `data` (copied) behind anything held, for a later delivery. */
  protected abstract hold(data: Uint8Array): void;

  /** Called after each delivery loop (e.g. to release a decoder that holds nothing). */
  protected afterDelivery(): void {}

  /** Whether a handler may be called now: not paused, and the transport is not disconnecting. */
  protected canDeliver(): boolean {
    return !this.paused && this.transport?.disconnecting !== true;
  }

  /** Records the result of a handler so an async rejection reaches the reactor. */
  protected collect(result: unknown): void {
    if (result !== undefined) this.#pending = collectThenable(this.#pending, result);
  }

  /** Stops delivery (even mid-buffer) and pauses the transport; data keeps being buffered. */
  pauseProducing(): void {
    this.paused = true;
    this.transport?.pauseProducing();
  }

  /** Resumes the transport and delivers what was buffered while paused. */
  resumeProducing(): void {
    this.paused = false;
    this.transport?.resumeProducing();
    this.dataReceived(EMPTY);
  }

  /** Stops for good: paused, and the transport stops producing (closes). */
  stopProducing(): void {
    this.paused = true;
    this.transport?.stopProducing();
  }

  override dataReceived(data: Uint8Array): unknown {
    if (this.#busy || !this.canDeliver()) {
      // Re-entrant call (from a handler), paused or closing: keep the bytes, in order; the running
      // loop or resumeProducing() delivers them.
      this.hold(data);
      return undefined;
    }
    this.#busy = true;
    try {
      let done = this.deliver(data, false);
      while (!done && this.canDeliver()) done = this.deliver(EMPTY, true);
    } finally {
      this.#busy = false;
    }
    this.afterDelivery();
    const pending = this.#pending;
    if (pending === null) return undefined;
    this.#pending = null;
    return settle(pending);
  }
}
