import type { ProtocolLike, Transport } from "./interfaces.js";

/**
 * Base class for protocols (Twisted's `Protocol`). Subclass it and override the callbacks you need.
 * Callbacks may be `async`: a rejected Promise is handled like a thrown exception (logged, and that
 * one connection is aborted).
 *
 * @example
 * ```ts
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array) { this.transport?.write(data); }
 * }
 * ```
 */
export class Protocol implements ProtocolLike {
  /** The connection's transport; set by `makeConnection`, kept after the connection is lost. */
  transport: Transport | null = null;
  /** `true` between `makeConnection` and `connectionLost`. */
  connected = false;
  /** The factory that built this protocol, if any (set by `Factory.buildProtocol`). */
  factory: unknown = null;

  /**
   * Attaches the transport, marks the protocol connected and calls {@link Protocol.connectionMade}.
   * Returns what `connectionMade` returned, so the transport can watch an async one for rejection.
   */
  makeConnection(transport: Transport): unknown {
    this.transport = transport;
    this.connected = true;
    return this.connectionMade();
  }

  /** Called once the connection is established. Default: nothing. */
  connectionMade(): unknown {
    return undefined;
  }

  /** Called with each chunk of received bytes. Default: discard. */
  dataReceived(_data: Uint8Array): unknown {
    return undefined;
  }

  /**
   * Called exactly once when the connection closes. `reason` is a `ConnectionDone` for a clean close,
   * a `ConnectionLost` (or subclass) otherwise. Subclasses overriding it should call `super`.
   */
  connectionLost(_reason: Error): unknown {
    this.connected = false;
    return undefined;
  }
}
