/**
 * `--proxy-protocol`, kept apart from the rest of the server: the factory wrap, and what a
 * connection's PROXY header says about the balancer it came through.
 */
import {
  type FactoryLike,
  formatAddress,
  HAProxyWrappingFactory,
  isProxiedTransport,
  type ReactorTime,
  type Transport,
} from "@lr/reactor";

/**
 * `factory` itself, or with `--proxy-protocol` the same factory behind an `HAProxyWrappingFactory`
 * (each connection's header is read first; an invalid or late one is logged through the reactor's
 * logger and the connection dropped before `factory` sees it). Wrap outermost, so that factories
 * inside it (connection limits per peer...) see the client's address.
 *
 * @example
 * ```ts
 * reactor.listenTCP(9000, withProxyProtocol(factory, reactor, options.proxyProtocol));
 * ```
 */
export function withProxyProtocol(
  factory: FactoryLike,
  clock: ReactorTime,
  enabled: boolean | undefined,
): FactoryLike {
  return enabled ? new HAProxyWrappingFactory(factory, { clock }) : factory;
}

/** What the PROXY header says about a connection's balancer. */
export type Balancer =
  /** A client's connection, relayed by the balancer at `via` (`ip:port`). */
  | { readonly check: false; readonly via: string }
  /** The balancer's own connection (a health check): serve it, but do not report or count it. */
  | { readonly check: true };

/**
 * The balancer `transport`'s connection came through, or `null` for a direct connection.
 *
 * @example
 * ```ts
 * const balancer = balancerOf(this.transport);
 * if (!balancer?.check) output.connection(id, peer, balancer?.via);
 * ```
 */
export function balancerOf(transport: Transport | null): Balancer | null {
  if (!transport || !isProxiedTransport(transport)) return null;
  if (transport.local) return { check: true };
  return { check: false, via: formatAddress(transport.getProxyPeer()) };
}
