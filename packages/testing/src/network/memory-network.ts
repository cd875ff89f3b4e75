import {
  type Address,
  CannotListenError,
  ConnectionRefusedError,
  InvalidArgumentError,
  tcpAddress,
  unixAddress,
} from "@lr/reactor";
import { Clock, type RunUntilOptions } from "@lr/reactor/internal";
import type { MemoryConnector } from "../reactor/memory-connector.js";
import type { MemoryListeningPort } from "../reactor/memory-port.js";
import {
  type AttachedNetwork,
  type MemoryReactor,
  MemoryReactorClock,
  type MemoryReactorOptions,
} from "../reactor/memory-reactor.js";
import type { MemoryConnection, MemoryTransport } from "../transport/memory-connection.js";

/** Options of {@link MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** The shared time source (default a new {@link Clock}). */
  clock?: Clock;
  /** Virtual delay (ms) of each hop: connection set-up, and each delivery of written bytes (default 0). */
  latencyMs?: number;
  /** Where a simulation decides what the network does (default: the perfect network). */
  hooks?: MemoryNetworkHooks;
}

/**
 * Decisions a {@link MemoryNetwork} leaves to whoever drives it (the {@link Simulation}'s fault model).
 * Every member is optional; without one the network is perfect: whole writes, `latencyMs` per hop.
 */
export interface MemoryNetworkHooks {
  /** Virtual delay (ms) of `connector`'s attempt from `reactor` (default `latencyMs`). */
  connectDelay?(reactor: MemoryReactor, connector: MemoryConnector): number;
  /**
   * Whether an attempt reaches `server` (the reactor listening at its destination, `null` when
   * nothing listens there): `false` refuses it with `ConnectionRefusedError`.
   */
  admit?(reactor: MemoryReactor, connector: MemoryConnector, server: MemoryReactor | null): boolean;
  /** A connection was set up (both ends tracked by their reactors, protocols not started yet). */
  established?(connection: MemoryConnection, client: MemoryReactor, server: MemoryReactor): void;
  /** Virtual delay (ms) before `connection`'s next delivery (default `latencyMs`). */
  deliveryDelay?(connection: MemoryConnection): number;
  /** A delivery is due: `true` resets the connection instead (both ends see `ConnectionLost`). */
  resetBeforeDelivery?(connection: MemoryConnection): boolean;
  /**
   * How many of the `available` bytes queued at `from` move now (default all; 0 = the peer is not
   * reading: the bytes are offered again at the next delivery, at least 1 ms later).
   */
  take?(connection: MemoryConnection, from: MemoryTransport, available: number): number;
  /** With a `take` hook: buffered bytes at which a sender's streaming producer is paused (default none). */
  readonly highWaterMark?: number;
}

interface Listener {
  readonly reactor: MemoryReactor;
  readonly port: MemoryListeningPort;
  readonly address: Address;
}

/**
 * An in-memory network joining memory reactors that share one {@link Clock}. A `listenTCP(port)` on
 * one reactor is reachable by `connectTCP(anyHost, port)` on any reactor of the network (the same one
 * included); `listenUNIX(path)` by `connectUNIX(path)`. When nothing listens, the attempt fails with
 * `ConnectionRefusedError`. Bytes, closes and half-closes travel as delayed calls on the clock
 * (`latencyMs` each, default 0), so they move whenever virtual time is advanced; a protocol callback
 * that throws is logged by its reactor and aborts its connection, as on the real reactor.
 *
 * @example
 * ```ts
 * const network = new MemoryNetwork();
 * const server = network.createReactor();
 * const client = network.createReactor();
 * server.listenTCP(9000, serverFactory);
 * client.connectTCP("localhost", 9000, clientFactory);
 * void server.run();
 * const done = client.run();
 * await network.runUntil(done); // the whole exchange, in virtual time
 * ```
 */
export class MemoryNetwork implements AttachedNetwork {
  /** The shared virtual time. */
  readonly clock: Clock;
  /** Virtual delay of each hop, ms. */
  readonly latencyMs: number;
  readonly #hooks: MemoryNetworkHooks;
  readonly #reactors = new Set<MemoryReactor>();
  readonly #tcp = new Map<number, Listener>();
  readonly #unix = new Map<string, Listener>();
  readonly #connections = new Set<MemoryConnection>();
  #nextPort = 40000;
  #nextClientPort = 50000;

  constructor(options: MemoryNetworkOptions = {}) {
    this.clock = options.clock ?? new Clock();
    this.latencyMs = options.latencyMs ?? 0;
    this.#hooks = options.hooks ?? {};
    if (!Number.isFinite(this.latencyMs) || this.latencyMs < 0)
      throw new InvalidArgumentError("latencyMs must be a finite, non-negative number.");
  }

  /** Creates a {@link MemoryReactorClock} attached to this network (sharing its clock). */
  createReactor(options: Omit<MemoryReactorOptions, "network" | "clock"> = {}): MemoryReactorClock {
    return new MemoryReactorClock({ ...options, network: this });
  }

  /** The reactors attached to this network. */
  get reactors(): readonly MemoryReactor[] {
    return [...this.#reactors];
  }

  /** Open connections on the network. */
  get connections(): readonly MemoryConnection[] {
    for (const c of this.#connections) if (c.closed) this.#connections.delete(c);
    return [...this.#connections];
  }

  /** Moves everything pending on every connection now, until quiet (without advancing time). */
  flush(): void {
    for (const connection of [...this.#connections]) connection.flush();
  }

  /** Advances the shared clock (see {@link Clock.advance}). */
  advance(ms: number): void {
    this.clock.advance(ms);
  }

  /** Drives the shared clock until `promise` settles (see {@link Clock.runUntil}). */
  runUntil<T>(promise: PromiseLike<T>, options?: RunUntilOptions): Promise<T> {
    return this.clock.runUntil(promise, options);
  }

  /** @internal */
  attach(reactor: MemoryReactor): void {
    if (reactor.clock !== this.clock)
      throw new InvalidArgumentError("A reactor on a MemoryNetwork must use the network's clock.");
    this.#reactors.add(reactor);
  }

  /** @internal Binds a port; throws `CannotListenError` when the address is taken. */
  bind(reactor: MemoryReactor, port: MemoryListeningPort): Address {
    const s = port.spec;
    if (s.type === "UNIX") {
      if (this.#unix.has(s.path))
        throw new CannotListenError(
          `unix:${s.path}`,
          new Error("address already in use (EADDRINUSE)"),
        );
      const address = unixAddress(s.path);
      this.#unix.set(s.path, { reactor, port, address });
      return address;
    }
    let number = s.port;
    if (number === 0) {
      while (this.#tcp.has(this.#nextPort)) this.#nextPort++;
      number = this.#nextPort++;
    }
    if (this.#tcp.has(number))
      throw new CannotListenError(
        `${s.host ?? "*"}:${number}`,
        new Error("address already in use (EADDRINUSE)"),
      );
    const address = tcpAddress(s.host ?? "0.0.0.0", number);
    this.#tcp.set(number, { reactor, port, address });
    return address;
  }

  /** @internal */
  unbind(port: MemoryListeningPort): void {
    const s = port.spec;
    if (s.type === "UNIX") {
      if (this.#unix.get(s.path)?.port === port) this.#unix.delete(s.path);
      return;
    }
    for (const [number, listener] of this.#tcp)
      if (listener.port === port) this.#tcp.delete(number);
  }

  /** @internal A connector of `reactor` started an attempt: complete it after one hop. */
  connect(reactor: MemoryReactor, connector: MemoryConnector): void {
    const attempt = connector.attempts;
    const delay = this.#hooks.connectDelay?.(reactor, connector) ?? this.latencyMs;
    this.clock.callLater(delay, () => {
      if (connector.attempts !== attempt) return;
      this.#complete(reactor, connector);
    });
  }

  #complete(clientReactor: MemoryReactor, connector: MemoryConnector): void {
    const s = connector.spec;
    const listener = s.type === "TCP" ? this.#tcp.get(s.port) : this.#unix.get(s.path);
    const up = listener?.port.state === "listening" && listener.reactor.running;
    const admit = this.#hooks.admit?.(
      clientReactor,
      connector,
      up ? (listener?.reactor ?? null) : null,
    );
    if (!listener || !up || admit === false) {
      connector.refuse(new ConnectionRefusedError(connector.describe()));
      return;
    }
    const serverAddress: Address =
      listener.address.type === "TCP"
        ? tcpAddress(
            listener.address.host === "0.0.0.0" ? "127.0.0.1" : listener.address.host,
            listener.address.port,
          )
        : listener.address;
    const clientAddress: Address =
      s.type === "TCP" ? tcpAddress("127.0.0.1", this.#nextClientPort++) : unixAddress(null);
    const serverReactor = listener.reactor;
    let refusedByServer = false;
    let scheduled = false;
    let held = false;
    let connection: MemoryConnection | null = null;
    const hooks = this.#hooks;
    const take = hooks.take;
    connection = connector.establish(
      () => {
        const protocol = serverReactor.acceptProtocol(listener.port, clientAddress);
        refusedByServer = protocol === null;
        return protocol;
      },
      {
        serverAddress,
        clientAddress,
        abortOnCallbackError: true,
        ...(take && {
          take: (from: MemoryTransport, available: number) =>
            connection ? take.call(hooks, connection, from, available) : available,
          highWaterMark: hooks.highWaterMark ?? Number.POSITIVE_INFINITY,
        }),
        onCallbackError: (error, where, transport) => {
          const owner = transport === connection?.server ? serverReactor : clientReactor;
          owner.logger.emit({
            level: "error",
            message: `Unhandled error in ${transport.protocol.constructor.name}.${where}`,
            error,
            context: { callback: where },
          });
        },
        onPending: () => {
          const c = connection;
          if (scheduled || !c) return;
          scheduled = true;
          const delay = hooks.deliveryDelay?.(c) ?? this.latencyMs;
          // Bytes a `take` hook held back are offered again, at least 1 ms later (no delay-0 spin).
          this.clock.callLater(held ? Math.max(1, delay) : delay, () => {
            scheduled = false;
            if (hooks.resetBeforeDelivery?.(c)) c.reset();
            else {
              const moved = c.pump();
              held = !moved && c.pendingBytes;
              if ((moved || held) && !c.closed) c.notify();
            }
            if (c.closed) this.#connections.delete(c);
          });
        },
      },
    );
    if (!connection) return;
    this.#connections.add(connection);
    serverReactor.adoptTransport(connection.server);
    hooks.established?.(connection, clientReactor, serverReactor);
    connection.start();
    if (refusedByServer) connection.server.loseConnection();
    connection.notify();
  }
}
