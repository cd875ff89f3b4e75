import { type Address, formatAddress } from "../core/address.js";
import { InvalidArgumentError } from "../core/errors.js";
import type { FactoryLike, ProtocolLike, Transport } from "../core/interfaces.js";
import { createStderrLogger, type Logger } from "../core/logger.js";

/** Options of {@link LimitConnectionsFactory}. */
export interface ConnectionLimitOptions {
  /** Most connections open at once through this factory (default: unlimited). */
  readonly maxConnections?: number;
  /** Most connections open at once from one peer host (default: unlimited; Twisted's `LimitConnectionsByPeer` uses 5). */
  readonly maxConnectionsPerPeer?: number;
  /** Where refusals are reported (level `warn`; default: stderr). */
  readonly logger?: Logger;
}

function peerKey(addr: Address): string {
  return addr.type === "TCP" ? addr.host : "unix";
}

/** Forwards every callback to the wrapped protocol and reports the close to its owner. */
class LimitedProtocol implements ProtocolLike {
  readConnectionLost?: () => unknown;
  writeConnectionLost?: () => unknown;

  constructor(
    readonly wrappedProtocol: ProtocolLike,
    readonly release: () => void,
  ) {
    // Only offer the half-close callbacks the wrapped protocol has: transports use their presence
    // to decide whether a half-close is delivered or closes the connection.
    if (wrappedProtocol.readConnectionLost)
      this.readConnectionLost = () => wrappedProtocol.readConnectionLost?.();
    if (wrappedProtocol.writeConnectionLost)
      this.writeConnectionLost = () => wrappedProtocol.writeConnectionLost?.();
  }

  makeConnection(transport: Transport): void {
    this.wrappedProtocol.makeConnection(transport);
  }

  dataReceived(data: Uint8Array): unknown {
    return this.wrappedProtocol.dataReceived(data);
  }

  connectionLost(reason: Error): unknown {
    this.release();
    return this.wrappedProtocol.connectionLost(reason);
  }
}

/**
 * Wraps a server factory and refuses connections beyond a total limit and/or a per-peer-host limit
 * (Twisted's `LimitTotalConnectionsFactory` / `LimitConnectionsByPeer` / `ThrottlingFactory`'s
 * connection count). A refused connection gets `buildProtocol() → null`, so the reactor closes it at
 * once without disturbing anyone else, and a `warn` event is logged. Slots free up when connections
 * close.
 *
 * @example
 * ```ts
 * reactor.listenTCP(9000, new LimitConnectionsFactory(Factory.forProtocol(Echo), { maxConnections: 100, maxConnectionsPerPeer: 5 }));
 * ```
 */
export class LimitConnectionsFactory implements FactoryLike {
  readonly wrapped: FactoryLike;
  readonly maxConnections: number;
  readonly maxConnectionsPerPeer: number;
  readonly #logger: Logger;
  #open = 0;
  readonly #perPeer = new Map<string, number>();

  /** Throws `InvalidArgumentError` (`ERR_INVALID_ARG`) for a limit that is not a positive integer. */
  constructor(wrapped: FactoryLike, options: ConnectionLimitOptions = {}) {
    for (const key of ["maxConnections", "maxConnectionsPerPeer"] as const) {
      const v = options[key];
      if (v !== undefined && (!Number.isInteger(v) || v < 1))
        throw new InvalidArgumentError(`${key} must be a positive integer, got ${String(v)}.`);
    }
    this.wrapped = wrapped;
    this.maxConnections = options.maxConnections ?? Number.POSITIVE_INFINITY;
    this.maxConnectionsPerPeer = options.maxConnectionsPerPeer ?? Number.POSITIVE_INFINITY;
    this.#logger = options.logger ?? createStderrLogger();
  }

  /** Connections open now through this factory. */
  get openConnections(): number {
    return this.#open;
  }

  /** Connections open now from `host` (`"unix"` for UNIX-socket peers). */
  connectionsFrom(host: string): number {
    return this.#perPeer.get(host) ?? 0;
  }

  buildProtocol(addr: Address): ProtocolLike | null {
    const key = peerKey(addr);
    const fromPeer = this.#perPeer.get(key) ?? 0;
    if (this.#open >= this.maxConnections) {
      this.#refuse(addr, `${this.#open} connection(s) open, maxConnections=${this.maxConnections}`);
      return null;
    }
    if (fromPeer >= this.maxConnectionsPerPeer) {
      this.#refuse(
        addr,
        `${fromPeer} connection(s) open from ${key}, maxConnectionsPerPeer=${this.maxConnectionsPerPeer}`,
      );
      return null;
    }
    const inner = this.wrapped.buildProtocol(addr);
    if (!inner) return null;
    this.#open++;
    this.#perPeer.set(key, fromPeer + 1);
    let released = false;
    return new LimitedProtocol(inner, () => {
      if (released) return;
      released = true;
      this.#open--;
      const n = (this.#perPeer.get(key) ?? 1) - 1;
      if (n <= 0) this.#perPeer.delete(key);
      else this.#perPeer.set(key, n);
    });
  }

  doStart(): void {
    this.wrapped.doStart();
  }

  doStop(): void {
    this.wrapped.doStop();
  }

  #refuse(addr: Address, why: string): void {
    this.#logger.emit({
      level: "warn",
      message: `Refusing connection from ${formatAddress(addr)}: ${why}`,
      context: { peer: addr },
    });
  }
}
