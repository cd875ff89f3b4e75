import type { Address } from "./address.js";
import type { ClientFactoryLike, Connector, FactoryLike, ProtocolLike } from "./interfaces.js";
import type { Protocol } from "./protocol.js";

/** A constructor of protocols with no arguments, as assigned to `Factory.protocol`. */
export type ProtocolConstructor = new () => ProtocolLike;

/**
 * Builds a protocol per connection (Twisted's `Factory`). Set `protocol` to a protocol class, or
 * override {@link Factory.buildProtocol}. `startFactory`/`stopFactory` bracket the time the factory is
 * in use by at least one port or connector (reference counted through `doStart`/`doStop`).
 *
 * @example
 * ```ts
 * const factory = Factory.forProtocol(Echo);
 * reactor.listenTCP(9000, factory);
 * ```
 */
export class Factory implements FactoryLike {
  /** The protocol class `buildProtocol` instantiates. */
  protocol: ProtocolConstructor | null = null;
  /** How many ports/connectors currently use this factory. */
  numPorts = 0;

  /** Creates a factory whose `protocol` is `protocolClass`. */
  static forProtocol<F extends Factory>(this: new () => F, protocolClass: ProtocolConstructor): F {
    const factory = new this();
    factory.protocol = protocolClass;
    return factory;
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
  buildProtocol(_addr: Address): ProtocolLike | null {
    if (!this.protocol) return null;
    const p = new this.protocol();
    (p as Partial<Protocol>).factory = this;
    return p;
  }
}

/** A factory for listening ports (Twisted's `ServerFactory`). */
export class ServerFactory extends Factory {}

/** A factory for outgoing connections (Twisted's `ClientFactory`); its callbacks default to no-ops. */
export class ClientFactory extends Factory implements ClientFactoryLike {
  /** A connection attempt is starting. */
  startedConnecting(_connector: Connector): void {}
  /** A connection attempt failed. */
  clientConnectionFailed(_connector: Connector, _reason: Error): void {}
  /** An established connection was lost. */
  clientConnectionLost(_connector: Connector, _reason: Error): void {}
}
