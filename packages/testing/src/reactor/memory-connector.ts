import {
  type ClientFactoryLike,
  type ConnectError,
  ConnectionRefusedError,
  NotConnectingError,
  Protocol,
  type ProtocolLike,
  tcpAddress,
  unixAddress,
} from "@lr/reactor";
import { BaseConnector, type BaseConnectSpec, type ConnectorOwner } from "@lr/reactor/internal";
import { IOPump, type ProtocolSource } from "../transport/io-pump.js";
import {
  MemoryConnection,
  type MemoryConnectionOptions,
  type MemoryTransport,
} from "../transport/memory-connection.js";

/** Where a {@link MemoryConnector} connects. */
export type MemoryConnectSpec = BaseConnectSpec;

/** What a {@link MemoryConnector} needs from the memory reactor that owns it. */
export interface MemoryConnectorOwner extends ConnectorOwner {
  /** An attempt started: hand it to the network, if any. */
  attempt(connector: MemoryConnector): void;
  /** A connection was established: track its transport. */
  adopt(transport: MemoryTransport, onClosed: (reason: Error) => void): void;
}

/**
 * The fake {@link Connector} a memory reactor returns from `connectTCP`/`connectUNIX`: the shared
 * connector of `@lr/reactor` (`startedConnecting`, `clientConnectionFailed`/`clientConnectionLost`,
 * reconnecting with `connect()` from those callbacks, the factory's guarded `doStart`/`doStop`, the
 * connect timeout in the reactor's time) plus test controls. On a `MemoryNetwork` the attempt
 * completes by itself; otherwise the test completes it with {@link MemoryConnector.succeed} or
 * {@link MemoryConnector.fail}.
 */
export class MemoryConnector extends BaseConnector<MemoryConnectSpec, MemoryTransport> {
  /** How many attempts were started. */
  attempts = 0;
  /** `true` once `stopConnecting()` was called (directly or by `disconnect()`). */
  stoppedConnecting = false;
  readonly #owner: MemoryConnectorOwner;

  /** @internal created by a memory reactor */
  constructor(spec: MemoryConnectSpec, factory: ClientFactoryLike, owner: MemoryConnectorOwner) {
    super(spec, factory, owner);
    this.#owner = owner;
  }

  /** Cancels the attempt (`clientConnectionFailed` gets `ConnectingCancelledError`). Throws `NotConnectingError` unless connecting. */
  override stopConnecting(): void {
    if (this.state === "connecting") this.stoppedConnecting = true;
    super.stopConnecting();
  }

  /**
   * Test control: fails the current attempt with `reason` (default `ConnectionRefusedError`).
   * Throws `NotConnectingError` unless an attempt is in progress.
   */
  fail(reason: ConnectError = new ConnectionRefusedError(this.describe())): void {
    if (this.state !== "connecting" || this.waitingForRun) throw new NotConnectingError();
    this.failed(reason);
  }

  /**
   * Test control (no `MemoryNetwork`): completes the current attempt with `server` on the other end
   * (a protocol, a protocol class or a factory; default a do-nothing protocol) and returns an
   * {@link IOPump} that moves bytes when pumped. Throws `NotConnectingError` unless an attempt is in
   * progress; returns `null` if the client factory refused the connection.
   */
  succeed(server: ProtocolSource = new Protocol()): IOPump | null {
    if (this.state !== "connecting" || this.waitingForRun) throw new NotConnectingError();
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
    if (this.state !== "connecting" || this.waitingForRun) return null;
    const serverProtocol = accept();
    const clientProtocol = this.buildClientProtocol(options.serverAddress);
    if (!clientProtocol) return null;
    const connection = new MemoryConnection(
      serverProtocol ?? new Protocol(),
      clientProtocol,
      options,
    );
    this.connected(connection.client);
    this.#owner.adopt(connection.client, (reason) =>
      this.connectionLost(connection.client, reason),
    );
    return connection;
  }

  /** @internal the network's way to refuse (nothing listens) */
  refuse(reason: ConnectError): void {
    if (this.state === "connecting" && !this.waitingForRun) this.failed(reason);
  }

  protected override beginAttempt(): void {
    this.attempts++;
    this.#owner.attempt(this);
  }
}
