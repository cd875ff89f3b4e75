/**
 * Twisted's `StatefulProtocol`: a byte-count state machine.
 */
import { Protocol } from "@lr/reactor";
import { ByteAccumulator } from "../bytes.js";

/** A state: the handler to call and how many bytes it wants. */
export type StatefulState = readonly [handler: StatefulHandler, byteCount: number];

/**
 * Receives exactly `byteCount` bytes (called with `this` = the protocol). Return the next state, or
 * nothing to keep the current one.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers written as methods that return nothing are inferred as void
export type StatefulHandler = (data: Uint8Array) => StatefulState | undefined | null | void;

/**
 * Calls the current state's handler each time its byte count is available; the handler returns the
 * next `[handler, byteCount]` (or nothing to stay). Stops while the transport is disconnecting.
 * A state asking for 0 bytes fires at once (beware of loops). Override `getInitialState()`.
 *
 * @example
 * ```ts
 * class Frames extends StatefulProtocol {
 *   override getInitialState(): StatefulState { return [this.header, 2]; }
 *   header(d: Uint8Array): StatefulState { return [this.body, (d[0]! << 8) | d[1]!]; }
 *   body(d: Uint8Array): StatefulState { console.log(d); return [this.header, 2]; }
 * }
 * ```
 */
export class StatefulProtocol extends Protocol {
  #state: StatefulState | null = null;
  readonly #acc = new ByteAccumulator();

  /** The first state. Default: a handler that discards everything. */
  getInitialState(): StatefulState {
    return [() => undefined, 1];
  }

  override makeConnection(transport: Parameters<Protocol["makeConnection"]>[0]): void {
    this.#state = this.getInitialState();
    super.makeConnection(transport);
  }

  override dataReceived(data: Uint8Array): unknown {
    let state = this.#state ?? this.getInitialState();
    const acc = this.#acc;
    let at = 0;
    const end = data.length;
    while (this.transport?.disconnecting !== true) {
      const [handler, count] = state;
      let chunk: Uint8Array;
      if (acc.length === 0 && end - at >= count) {
        chunk = data.subarray(at, at + count);
        at += count;
      } else {
        const take = Math.min(count - acc.length, end - at);
        acc.append(data, at, at + take);
        at += take;
        if (acc.length < count) break;
        chunk = acc.copy();
        acc.clear();
      }
      const next = handler.call(this, chunk);
      if (next) state = next;
      this.#state = state;
    }
    if (at < end) acc.append(data, at, end);
    this.#state = state;
    return undefined;
  }
}
