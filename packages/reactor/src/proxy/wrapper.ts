import { type Address, formatAddress } from "../core/address.js";
import { isThenable } from "../core/helpers.js";
import type {
  DelayedCall,
  FactoryLike,
  Producer,
  ProtocolLike,
  ReactorTime,
  Transport,
} from "../core/interfaces.js";
import { createStderrLogger, type Logger } from "../core/logger.js";
import { InvalidProxyHeaderError } from "./errors.js";
import { type ProxyHeader, ProxyHeaderParser } from "./parser.js";

/** Options of {@link HAProxyWrappingFactory}. */
export interface ProxyProtocolOptions {
  /** The clock the header timeout runs on: the reactor, or a test clock. */
  readonly clock: ReactorTime;
  /** How long a connection may take to send its whole header (default 5000 ms). */
  readonly headerTimeoutMs?: number;
  /** Longest v2 header accepted (see `ProxyHeaderParserOptions.maxHeaderLength`). */
  readonly maxHeaderLength?: number;
  /**
   * Where dropped connections are reported (level `warn`). Default: the clock's `logger` when it
   * has one (a `Reactor` does), else stderr.
   */
  readonly logger?: Logger;
}

/**
 * The transport a protocol behind {@link HAProxyWrappingFactory} sees: `getPeer()`/`getHost()`
 * report the client's and the proxy's listening addresses from the PROXY header (the socket's own
 * addresses for a v2 LOCAL header, a v1 `UNKNOWN` one or an AF_UNSPEC one), and the socket's own
 * addresses, i.e. the balancer's, stay available.
 */
export interface ProxiedTransport extends Transport {
  /** The header the connection started with. */
  readonly proxyHeader: ProxyHeader;
  /**
   * `true` when the proxy opened the connection on its own behalf rather than for a client: a v2
   * LOCAL header, or a header whose addresses are the socket's own (what HAProxy's health checks
   * send with `send-proxy`; when the socket's peer is unknown because the check already reset the
   * connection, a destination equal to the socket's local address suffices). Applications usually serve such a connection without counting it as
   * a client.
   */
  readonly local: boolean;
  /** The socket's remote address: the proxy (balancer) the connection came through. */
  getProxyPeer(): Address;
  /** The socket's local address (where the proxy connected to). */
  getProxyHost(): Address;
}

/**
 * Tells whether `transport` is a {@link ProxiedTransport} (its connection came through a
 * {@link HAProxyWrappingFactory}).
 *
 * @example
 * ```ts
 * const via = transport && isProxiedTransport(transport) ? transport.getProxyPeer() : null;
 * ```
 */
export function isProxiedTransport(transport: Transport): transport is ProxiedTransport {
  return (transport as Partial<ProxiedTransport>).proxyHeader !== undefined;
}

/** Same address, an IPv4-mapped IPv6 host counting as its IPv4 form. */
function sameAddress(a: Address | null, b: Address): boolean {
  if (a === null) return false;
  if (a.type === "UNIX" || b.type === "UNIX")
    return a.type === "UNIX" && b.type === "UNIX" && a.path === b.path;
  const host = (h: string) => (h.startsWith("::ffff:") && h.includes(".") ? h.slice(7) : h);
  return a.port === b.port && host(a.host) === host(b.host);
}

class ProxiedSocketTransport implements ProxiedTransport {
  /** Bytes received after the header while the protocol had paused reading. */
  held: Uint8Array | null = null;
  paused = false;
  readonly local: boolean;

  constructor(
    readonly socket: Transport,
    readonly proxyHeader: ProxyHeader,
    readonly deliver: (data: Uint8Array) => void,
  ) {
    // A check that connects, sends its header and resets at once may leave the socket without a
    // known peer (getpeername fails after a reset): the destination then decides alone.
    const peer = socket.getPeer();
    const peerUnknown = peer.type === "TCP" && peer.host === "" && peer.port === 0;
    this.local =
      proxyHeader.command === "LOCAL" ||
      ((peerUnknown || sameAddress(proxyHeader.source, peer)) &&
        sameAddress(proxyHeader.destination, socket.getHost()));
  }

  get disconnecting(): boolean {
    return this.socket.disconnecting;
  }
  get disconnected(): boolean {
    return this.socket.disconnected;
  }
  getPeer(): Address {
    return this.proxyHeader.source ?? this.socket.getPeer();
  }
  getHost(): Address {
    return this.proxyHeader.destination ?? this.socket.getHost();
  }
  getProxyPeer(): Address {
    return this.socket.getPeer();
  }
  getProxyHost(): Address {
    return this.socket.getHost();
  }
  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }
  writeSequence(data: Iterable<string | Uint8Array>): void {
    this.socket.writeSequence(data);
  }
  loseConnection(): void {
    this.socket.loseConnection();
  }
  abortConnection(): void {
    this.socket.abortConnection();
  }
  pauseProducing(): void {
    this.paused = true;
    this.socket.pauseProducing();
  }
  resumeProducing(): void {
    this.paused = false;
    const held = this.held;
    if (held) {
      this.held = null;
      this.deliver(held);
    }
    if (!this.paused) this.socket.resumeProducing();
  }
  stopProducing(): void {
    this.held = null;
    this.socket.stopProducing();
  }
  registerProducer(producer: Producer, streaming: boolean): void {
    this.socket.registerProducer(producer, streaming);
  }
  unregisterProducer(): void {
    this.socket.unregisterProducer();
  }
  loseWriteConnection(): void {
    this.socket.loseWriteConnection();
  }
  setTcpNoDelay(enabled: boolean): void {
    this.socket.setTcpNoDelay(enabled);
  }
  setTcpKeepAlive(enabled: boolean, initialDelayMs?: number): void {
    this.socket.setTcpKeepAlive(enabled, initialDelayMs);
  }
}

/** Reads the header, then builds the real protocol and hands every later callback to it. */
class ProxyProtocolWrapper implements ProtocolLike {
  #socket: Transport | null = null;
  #parser: ProxyHeaderParser;
  #timer: DelayedCall | null = null;
  #received = 0;
  #inner: ProtocolLike | null = null;
  #transport: ProxiedSocketTransport | null = null;
  #dropped = false;

  constructor(readonly factory: HAProxyWrappingFactory) {
    this.#parser = new ProxyHeaderParser(
      factory.maxHeaderLength === undefined ? {} : { maxHeaderLength: factory.maxHeaderLength },
    );
  }

  /** The protocol built once the header arrived (`null` before, or if the wrapped factory refused). */
  get wrappedProtocol(): ProtocolLike | null {
    return this.#inner;
  }

  // Half-close callbacks are offered only when the wrapped protocol has them (transports decide from
  // their presence whether a half-close is delivered or closes the connection). Before the header,
  // a half-close closes the connection, which connectionLost reports as an incomplete header.
  get readConnectionLost(): (() => unknown) | undefined {
    const inner = this.#inner;
    return inner?.readConnectionLost ? () => inner.readConnectionLost?.() : undefined;
  }

  get writeConnectionLost(): (() => unknown) | undefined {
    const inner = this.#inner;
    return inner?.writeConnectionLost ? () => inner.writeConnectionLost?.() : undefined;
  }

  makeConnection(transport: Transport): void {
    this.#socket = transport;
    this.#timer = this.factory.clock.callLater(this.factory.headerTimeoutMs, () => {
      this.#timer = null;
      this.#drop(
        new InvalidProxyHeaderError(
          "timeout",
          `no complete header within ${this.factory.headerTimeoutMs} ms`,
        ),
      );
    });
  }

  dataReceived(data: Uint8Array): unknown {
    const inner = this.#inner;
    if (inner) return inner.dataReceived(data);
    if (this.#dropped || !this.#socket) return undefined;
    this.#received += data.length;
    const result = this.#parser.feed(data);
    if (result.kind === "incomplete") return undefined;
    this.#cancelTimer();
    if (result.kind === "error") {
      this.#drop(result.error);
      return undefined;
    }
    return this.#start(this.#socket, result.header, result.rest);
  }

  connectionLost(reason: Error): unknown {
    this.#cancelTimer();
    const inner = this.#inner;
    if (inner) return inner.connectionLost(reason);
    if (this.#dropped || !this.#socket) return undefined;
    const peer = this.#socket.getPeer();
    if (this.#received === 0) {
      // A TCP health check (connect, then close) or a port scan: nothing to complain about.
      this.factory.logger.emit({
        level: "debug",
        message: `Connection from ${formatAddress(peer)} closed before sending a PROXY header`,
        context: { peer },
      });
      return undefined;
    }
    this.#report(
      peer,
      new InvalidProxyHeaderError(
        "incomplete",
        `the connection closed after ${this.#received} byte(s) of header`,
      ),
    );
    return undefined;
  }

  #start(socket: Transport, header: ProxyHeader, rest: Uint8Array): unknown {
    const transport = new ProxiedSocketTransport(socket, header, (held) => {
      this.#inner?.dataReceived(held);
    });
    const inner = this.factory.wrappedFactory.buildProtocol(transport.getPeer());
    if (!inner) {
      this.#dropped = true;
      socket.loseConnection();
      return undefined;
    }
    this.#inner = inner;
    this.#transport = transport;
    const made = inner.makeConnection(transport);
    let received: unknown;
    if (rest.length > 0 && !socket.disconnecting) {
      if (transport.paused) transport.held = rest;
      else received = inner.dataReceived(rest);
    }
    const pending = [made, received].filter(isThenable);
    return pending.length === 0 ? undefined : Promise.all(pending);
  }

  #cancelTimer(): void {
    const timer = this.#timer;
    this.#timer = null;
    if (timer?.active()) timer.cancel();
  }

  #drop(error: InvalidProxyHeaderError): void {
    const socket = this.#socket;
    if (this.#dropped || !socket || this.#inner) return;
    this.#dropped = true;
    this.#report(socket.getPeer(), error);
    socket.loseConnection();
  }

  #report(peer: Address, error: InvalidProxyHeaderError): void {
    this.factory.logger.emit({
      level: "warn",
      message: `Dropping connection from ${formatAddress(peer)}: ${error.message} [${error.code}]`,
      context: { peer, code: error.code, reason: error.reason },
    });
    this.factory.invalidHeaders++;
  }

  /** The transport handed to the wrapped protocol (for tests and diagnostics). */
  get proxiedTransport(): ProxiedTransport | null {
    return this.#transport;
  }
}

/**
 * Wraps a server factory so that every connection must start with a PROXY protocol header, v1 or v2
 * (Twisted's `HAProxyWrappingFactory`), as sent by HAProxy's `send-proxy`/`send-proxy-v2`, nginx's
 * `proxy_protocol on` or a cloud load balancer. The wrapped factory's `buildProtocol` is called once
 * the header has arrived, with the client's address, and the protocol's transport is a
 * {@link ProxiedTransport}: `getPeer()` is the client, `getProxyPeer()` the balancer. Bytes after
 * the header reach the protocol in the same call.
 *
 * A connection whose header is missing, malformed, too long or not complete within
 * `headerTimeoutMs` is closed and logged at `warn` with code `ERR_INVALID_PROXY_HEADER`; the wrapped
 * factory never hears of it. A connection that closes before sending any byte (a TCP health check)
 * is logged at `debug` only. A v2 LOCAL header (HAProxy's health checks with `check-send-proxy`)
 * builds a protocol with the socket's real addresses, as the specification asks.
 *
 * @example
 * ```ts
 * reactor.listenTCP(9000, new HAProxyWrappingFactory(Factory.forProtocol(Echo), { clock: reactor }), { host: "127.0.0.1" });
 * ```
 */
export class HAProxyWrappingFactory implements FactoryLike {
  /** The factory that builds the real protocols. */
  readonly wrappedFactory: FactoryLike;
  /** The clock the header timeout runs on. */
  readonly clock: ReactorTime;
  /** How long a connection may take to send its header, in ms. */
  readonly headerTimeoutMs: number;
  /** Longest v2 header accepted (`undefined`: the protocol's maximum). */
  readonly maxHeaderLength: number | undefined;
  /** Where dropped connections are reported. */
  readonly logger: Logger;
  /** How many connections were dropped for a missing, malformed, over-long or late header. */
  invalidHeaders = 0;

  /** Throws `RangeError` for a negative or non-finite `headerTimeoutMs`, or a bad `maxHeaderLength`. */
  constructor(wrappedFactory: FactoryLike, options: ProxyProtocolOptions) {
    const timeout = options.headerTimeoutMs ?? 5000;
    if (!Number.isFinite(timeout) || timeout < 0)
      throw new RangeError(`headerTimeoutMs must be a finite number >= 0, got ${timeout}.`);
    if (options.maxHeaderLength !== undefined)
      new ProxyHeaderParser({ maxHeaderLength: options.maxHeaderLength }); // validates
    this.wrappedFactory = wrappedFactory;
    this.clock = options.clock;
    this.headerTimeoutMs = timeout;
    this.maxHeaderLength = options.maxHeaderLength;
    this.logger =
      options.logger ?? (options.clock as { logger?: Logger }).logger ?? createStderrLogger();
  }

  /** Returns a protocol that reads the header first; the wrapped protocol is built after it. */
  buildProtocol(_addr: Address): ProtocolLike {
    return new ProxyProtocolWrapper(this);
  }

  /** Passes the port's start on to the wrapped factory. */
  doStart(): void {
    this.wrappedFactory.doStart();
  }

  /** Passes the port's stop on to the wrapped factory. */
  doStop(): void {
    this.wrappedFactory.doStop();
  }
}
