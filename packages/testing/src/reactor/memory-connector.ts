import {
  type Address,
  AlreadyConnectingError,
  type ClientFactoryLike,
  ConnectError,
  ConnectingCancelledError,
  ConnectionRefusedError,
  type Connector,
  ConnectTimeoutError,
  type DelayedCall,
  formatAddress,
  NotConnectingError,
  Protocol,
  type ProtocolLike,
  type ReactorTime,
  tcpAddress,
  unixAddress,
} from "@lr/reactor";
import { IOPump, type ProtocolSource } from "../transport/io-pump.js";
import {
  MemoryConnection,
  type MemoryConnectionOptions,
  type MemoryTransport,
} from "../transport/memory-connection.js";

/** Where a {@link MemoryConnector} connects. */
export type MemoryConnectSpec =
  | {
      readonly type: "TCP";
      readonly host: string;
      readonly port: number;
      readonly timeoutMs: number;
      readonly bindAddress: string | undefined;
    }
  | { readonly type: "UNIX"; readonly path: string; readonly timeoutMs: number };

/** What a {@link MemoryConnector} needs from the memory reactor that owns it. */
export interface MemoryConnectorOwner {
  readonly clock: ReactorTime;
  /** `true` if attempts may start now (the reactor is running). */
  canConnect(): boolean;
  /** Start this connector's attempt at the next run. */
  deferConnect(connector: MemoryConnector): void;
  /** An attempt started: hand it to the network, if any. */
  attempt(connector: MemoryConnector): void;
  /** A connection was established: track its transport. */
  adopt(transport: MemoryTransport, onClosed: (reason: Error) => void): void;
  /** The connector is idle. */
  connectorIdle(connector: MemoryConnector): void;
  /** Report a failed callback. */
  report(message: string, error: unknown): void;
}

/**
 * The fake {@link Connector} a memory reactor returns from `connectTCP`/`connectUNIX`, with the real
 * connector's life cycle (`startedConnecting`, `clientConnectionFailed`/`clientConnectionLost`,
 * reconnecting with `connect()` from those callbacks, `doStart`/`doStop` of the factory, the connect
 * timeout in the reactor's time). On a `MemoryNetwork` the attempt completes by itself; otherwise the
 * test completes it with {@link MemoryConnector.succeed} or {@link MemoryConnector.fail}.
 */
export class MemoryConnector implements Connector {
  /** What was asked for. */
  readonly spec: MemoryConnectSpec;
  /** The client factory. */
  readonly factory: ClientFactoryLike;
  /** How many attempts were started. */
  attempts = 0;
  /** `true` once `stopConnecting()` was called (directly or by `disconnect()`). */
  stoppedConnecting = false;
  #state: "disconnected" | "connecting" | "connected" = "disconnected";
  #factoryStarted = false;
  #deferred = false;
  #timeout: DelayedCall | null = null;
  #transport: MemoryTransport | null = null;
  readonly #owner: MemoryConnectorOwner;

  /** @internal created by a memory reactor */
  constructor(spec: MemoryConnectSpec, factory: ClientFactoryLike, owner: MemoryConnectorOwner) {
    this.spec = spec;
    this.factory = factory;
    this.#owner = owner;
  }

  get state(): "disconnected" | "connecting" | "connected" {
    return this.#state;
  }

  /** The reactor's time source. */
  get clock(): ReactorTime {
    return this.#owner.clock;
  }

  /** The established connection's transport, if connected. */
  get transport(): MemoryTransport | null {
    return this.#transport;
  }

  getDestination(): Address {
    const s = this.spec;
    return s.type === "TCP" ? tcpAddress(s.host, s.port) : unixAddress(s.path);
  }

  /** A human-readable destination. */
  describe(): string {
    return formatAddress(this.getDestination());
  }

  /** Starts connecting (again). Throws `AlreadyConnectingError` unless disconnected. */
  connect(): void {
    if (this.#state !== "disconnected") throw new AlreadyConnectingError();
    this.#state = "connecting";
    if (!this.#factoryStarted) {
      this.#factoryStarted = true;
      this.#call("doStart", () => this.factory.doStart());
    }
    if (!this.#owner.canConnect()) {
      this.#deferred = true;
      this.#owner.deferConnect(this);
      return;
    }
    this.#attempt();
  }

  /** @internal called by the reactor at startup */
  startDeferred(): void {
    if (!this.#deferred || this.#state !== "connecting") return;
    this.#deferred = false;
    this.#attempt();
  }

  /** Cancels the attempt (`clientConnectionFailed` gets `ConnectingCancelledError`). Throws `NotConnectingError` unless connecting. */
  stopConnecting(): void {
    if (this.#state !== "connecting") throw new NotConnectingError();
    this.stoppedConnecting = true;
    this.#failed(new ConnectingCancelledError());
  }

  /** Cancels the attempt, or closes the established connection. */
  disconnect(): void {
    if (this.#state === "connecting") this.stopConnecting();
    else if (this.#state === "connected") this.#transport?.loseConnection();
  }

  /**
   * Test control: fails the current attempt with `reason` (default `ConnectionRefusedError`).
   * Throws `NotConnectingError` unless an attempt is in progress.
   */
  fail(reason: ConnectError = new ConnectionRefusedError(this.describe())): void {
    if (this.#state !== "connecting" || this.#deferred) throw new NotConnectingError();
    this.#failed(reason);
  }

  /**
   * Test control (no `MemoryNetwork`): completes the current attempt with `server` on the other end
   * (a protocol, a protocol class or a factory; default a do-nothing protocol) and returns an
   * {@link IOPump} that moves bytes when pumped. Throws `NotConnectingError` unless an attempt is in
   * progress; returns `null` if the client factory refused the connection.
   */
  succeed(server: ProtocolSource = new Protocol()): IOPump | null {
    if (this.#state !== "connecting" || this.#deferred) throw new NotConnectingError();
    const serverAddress =
      this.spec.type === "TCP"
        ? tcpAddress(this.spec.host, this.spec.port)
        : unixAddress(this.spec.path);
    const clientAddress =
      this.spec.type === "TCP" ? tcpAddress("127.0.0.1", 50000 + this.attempts) : unixAddress(null);
    let protocol: ProtocolLike;
    if (typeof server === "function") protocol = new server();
    else if ("buildProtocol" in server && typeof server.buildProtocol === "function")
      protocol = server.buildProtocol(clientAddress) ?? new Protocol();
    else protocol = server as ProtocolLike;
    const connection = this.establish(() => protocol, { serverAddress, clientAddress });
    if (!connection) return null;
    connection.start();
    return new IOPump(connection);
  }

  /**
   * @internal Completes the attempt: builds the server protocol (`accept`, `null` = refused by the
   * server, which then closes at once), then the client's; starts both. Returns the connection, or
   * `null` if the client factory refused (the attempt then fails with `ConnectError`).
   */
  establish(
    accept: () => ProtocolLike | null,
    options: MemoryConnectionOptions,
  ): MemoryConnection | null {
    if (this.#state !== "connecting" || this.#deferred) return null;
    this.#clearTimeout();
    const serverProtocol = accept();
    let clientProtocol: ProtocolLike | null = null;
    try {
      clientProtocol = this.factory.buildProtocol(options.serverAddress);
    } catch (error) {
      this.#owner.report(
        `Unhandled error in ${this.factory.constructor.name}.buildProtocol`,
        error,
      );
    }
    if (!clientProtocol) {
      this.#state = "disconnected";
      this.#afterFailure(
        new ConnectError(`The factory refused the connection to ${this.describe()}.`),
      );
      return null;
    }
    const connection = new MemoryConnection(
      serverProtocol ?? new Protocol(),
      clientProtocol,
      options,
    );
    this.#state = "connected";
    this.#transport = connection.client;
    this.#owner.adopt(connection.client, (reason) => this.#lost(connection.client, reason));
    return connection;
  }

  /** @internal the network's way to refuse (nothing listens) */
  refuse(reason: ConnectError): void {
    if (this.#state === "connecting" && !this.#deferred) this.#failed(reason);
  }

  #attempt(): void {
    this.#call("startedConnecting", () => this.factory.startedConnecting?.(this));
    if (this.#state !== "connecting") return; // stopConnecting() from startedConnecting
    this.attempts++;
    const timeoutMs = this.spec.timeoutMs;
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      this.#timeout = this.#owner.clock.callLater(timeoutMs, () => {
        this.#timeout = null;
        if (this.#state === "connecting")
          this.#failed(new ConnectTimeoutError(this.describe(), timeoutMs));
      });
    }
    this.#owner.attempt(this);
  }

  #lost(transport: MemoryTransport, reason: Error): void {
    if (this.#transport !== transport) return;
    this.#transport = null;
    this.#state = "disconnected";
    this.#call("clientConnectionLost", () => this.factory.clientConnectionLost?.(this, reason));
    this.#maybeStopFactory();
  }

  #failed(reason: ConnectError): void {
    this.#clearTimeout();
    this.#deferred = false;
    this.#state = "disconnected";
    this.#afterFailure(reason);
  }

  #afterFailure(reason: ConnectError): void {
    this.#call("clientConnectionFailed", () => this.factory.clientConnectionFailed?.(this, reason));
    this.#maybeStopFactory();
  }

  #maybeStopFactory(): void {
    // A connect() from inside the callback keeps the session (and the factory) going.
    if (this.#state !== "disconnected") return;
    if (this.#factoryStarted) {
      this.#factoryStarted = false;
      this.#call("doStop", () => this.factory.doStop());
    }
    this.#owner.connectorIdle(this);
  }

  #clearTimeout(): void {
    if (this.#timeout?.active()) this.#timeout.cancel();
    this.#timeout = null;
  }

  #call(name: string, fn: () => unknown): void {
    const where = `Unhandled error in ${this.factory.constructor.name}.${name}`;
    try {
      const r = fn();
      if (
        r !== null &&
        typeof r === "object" &&
        typeof (r as PromiseLike<unknown>).then === "function"
      ) {
        (r as PromiseLike<unknown>).then(undefined, (e: unknown) => this.#owner.report(where, e));
      }
    } catch (error) {
      this.#owner.report(where, error);
    }
  }
}
