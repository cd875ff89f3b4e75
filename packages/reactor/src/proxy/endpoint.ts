import type { FactoryLike, ListeningPort } from "../core/interfaces.js";
import { HAProxyWrappingFactory, type ProxyProtocolOptions } from "./wrapper.js";

/**
 * A server endpoint whose connections speak the PROXY protocol: it listens with the endpoint it
 * wraps and wraps each factory in a {@link HAProxyWrappingFactory} (Twisted's `proxyEndpoint`). The
 * `haproxy:` prefix of `serverFromString` builds one.
 *
 * @example
 * ```ts
 * const endpoint = new HAProxyServerEndpoint(new TCPServerEndpoint(reactor, 9000), { clock: reactor });
 * await endpoint.listen(Factory.forProtocol(Echo));
 * ```
 */
export class HAProxyServerEndpoint {
  /** The endpoint that does the listening. */
  readonly wrappedEndpoint: { listen(factory: FactoryLike): Promise<ListeningPort> };
  /** Options given to each {@link HAProxyWrappingFactory}. */
  readonly options: ProxyProtocolOptions;

  /** Wraps `wrappedEndpoint`; `options` go to every {@link HAProxyWrappingFactory} it makes. */
  constructor(
    wrappedEndpoint: { listen(factory: FactoryLike): Promise<ListeningPort> },
    options: ProxyProtocolOptions,
  ) {
    this.wrappedEndpoint = wrappedEndpoint;
    this.options = options;
  }

  /** Listens with the wrapped endpoint; resolves or rejects as it does. */
  listen(factory: FactoryLike): Promise<ListeningPort> {
    return this.wrappedEndpoint.listen(new HAProxyWrappingFactory(factory, this.options));
  }
}
