import type { Address } from "./address.js";
import type { ConnectError, ConnectionClosed } from "./errors.js";
import type { ClientFactoryLike, Connector, FactoryLike, ProtocolLike } from "./interfaces.js";
import type { Protocol } from "./protocol.js";

/** A constructor of protocols with no arguments, as assigned to `Factory.protocol`. */
export type ProtocolConstructor<P extends ProtocolLike = ProtocolLike> = new () => P;

/**
 * The typed part of a factory made by {@link Factory.forProtocol}: its `protocol` and what
 * `buildProtocol` returns are the class given. `ServerFactory.forProtocol(Echo)` is a
 * `ServerFactory` whose `protocol`/`buildProtocol` are those of `FactoryFor<Echo>`, so
 * `endpoint.connect(factory)` resolves to an `Echo`.
 */
export interface FactoryFor<P extends ProtocolLike> {
  /** The protocol class `buildProtocol` instantiates. */
  protocol: ProtocolConstructor<P> | null;
  /** Builds a `P` for a new connection, or `null` to refuse it. */
  buildProtocol(addr: Address): P | null;
}

/**
 * Builds a protocol per connection (Twisted's `Factory`). Set `protocol` to a protocol class, or
 * override {@link Factory.buildProtocol}. `P` is the protocol type it builds (a subclass can say
 * `class Chat extends ServerFactory<ChatProtocol>`; `forProtocol` infers it). `startFactory`/`stopFactory` bracket the time the factory is
 * in use by at least one port or connector (reference counted through `doStart`/`doStop`).
 *
 * @example
 * ```ts
 * const factory = Factory.forProtocol(Echo);
 * reactor.listenTCP(9000, factory);
 * ```
 */
export class Factory<P extends ProtocolLike = ProtocolLike> implements FactoryLike<P> {
  /** The protocol class `buildProtocol` instantiates. */
  protocol: ProtocolConstructor<P> | null = null;
  /** How many ports/connectors currently use this factory. */
  numPorts = 0;

  /**
   * Creates a factory of this class whose `protocol` is `protocolClass`; its `buildProtocol` is typed
   * to return that class (`ServerFactory.forProtocol(Echo).buildProtocol(addr)` is `Echo | null`).
   */
  static forProtocol<F extends Factory, P extends ProtocolLike>(
    this: new () => F,
    protocolClass: ProtocolConstructor<P>,
  ): Omit<F, keyof FactoryFor<P>> & FactoryFor<P> {
    const factory = new this();
    factory.protocol = protocolClass;
    return factory as unknown as Omit<F, keyof FactoryFor<P>> & FactoryFor<P>;
  }

  /** Reference-counted start: calls `startFactory` on the first use. */
  doStart(): void {
    if (this.numPorts === 0) this.startFactory();
    this.numPorts++;
  }

  /** Reference-counted stop: calls `stopFactory` when the last user goes. Extra calls are ignored. */
  doStop(): void {
    if (this.numPorts === 0) return;
    this.numPorts--;
    if (this.numPorts === 0) this.stopFactory();
  }

  /** Called when the factory starts being used. Default: nothing. */
  startFactory(): void {}

  /** Called when the factory stops being used. Default: nothing. */
  stopFactory(): void {}

  /**
   * Builds the protocol for a new connection, or returns `null` to refuse it. The default creates an
   * instance of `this.protocol` and sets its `factory` property.
   */
  buildProtocol(_addr: Address): P | null {
    if (!this.protocol) return null;
    const p = new this.protocol();
    (p as Partial<Protocol>).factory = this;
    return p;
  }
}

/** A factory for listening ports (Twisted's `ServerFactory`). */
export class ServerFactory<P extends ProtocolLike = ProtocolLike> extends Factory<P> {}

/** A factory for outgoing connections (Twisted's `ClientFactory`); its callbacks default to no-ops. */
export class ClientFactory<P extends ProtocolLike = ProtocolLike>
  extends Factory<P>
  implements ClientFactoryLike<P>
{
  /** A connection attempt is starting. */
  startedConnecting(_connector: Connector): void {}
  /** A connection attempt failed; `reason.code` says why (`ERR_CONNECTION_REFUSED`...). */
  clientConnectionFailed(_connector: Connector, _reason: ConnectError): void {}
  /** An established connection was lost; `reason.code` is `ERR_CONNECTION_DONE`, `_LOST` or `_ABORTED`. */
  clientConnectionLost(_connector: Connector, _reason: ConnectionClosed): void {}
}
