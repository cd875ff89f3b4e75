import { connect as netConnect, type Socket } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { type Address, formatAddress, tcpAddress, unixAddress } from "../core/address.js";
import {
  AlreadyConnectingError,
  ConnectError,
  ConnectingCancelledError,
  ConnectionRefusedError,
  ConnectTimeoutError,
  DNSLookupError,
  NotConnectingError,
} from "../core/errors.js";
import type { ClientFactoryLike, Connector, DelayedCall, ReactorTime } from "../core/interfaces.js";
import type { Logger } from "../core/logger.js";
import { nodeTls } from "./node-tls.js";
import { SocketTransport, type TransportOwner } from "./socket-transport.js";

/** Where a {@link StreamConnector} connects. */
export type ConnectSpec =
  | {
      readonly type: "TCP";
      readonly host: string;
      readonly port: number;
      readonly timeoutMs: number;
      readonly bindAddress: string | undefined;
      readonly tls?: ConnectionOptions;
    }
  | { readonly type: "UNIX"; readonly path: string; readonly timeoutMs: number };

/** What a connector needs from the reactor that owns it. */
export interface ConnectorOwner extends TransportOwner {
  readonly logger: Logger;
  readonly clock: ReactorTime;
  /** `true` if connection attempts may start now (the reactor is running). */
  canConnect(): boolean;
  /** Called when a connector wants to connect but the reactor is not running: start it at the next run. */
  deferConnect(connector: StreamConnector): void;
  /** A connection was established on `connector`: track its transport. */
  connectionOpened(connector: StreamConnector, transport: SocketTransport): void;
  /** The connector became idle (disconnected, not retrying from its own callbacks). */
  connectorIdle(connector: StreamConnector): void;
  /** Report a failed factory callback. */
  reportCallbackError(where: string, error: unknown): void;
}

function mapConnectError(
  error: NodeJS.ErrnoException,
  destination: string,
  host: string,
): ConnectError {
  switch (error.code) {
    case "ECONNREFUSED":
    case "ENOENT":
      return new ConnectionRefusedError(destination, error);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
      return new DNSLookupError(host, error);
    case "ETIMEDOUT":
      return new ConnectError(`Connecting to ${destination} timed out (${error.code}).`, {
        code: "ERR_CONNECT_TIMEOUT",
        cause: error,
      });
    default:
      return new ConnectError(`Couldn't connect to ${destination}: ${error.message}`, {
        cause: error,
      });
  }
}

/**
 * A client connection attempt with Twisted's `IConnector` semantics: `connect()` may be called again
 * from the factory's failure/lost callbacks to reconnect; the factory's `doStart`/`doStop` bracket each
 * "session" of use.
 */
export class StreamConnector implements Connector {
  readonly spec: ConnectSpec;
  readonly factory: ClientFactoryLike;
  readonly #owner: ConnectorOwner;
  #state: "disconnected" | "connecting" | "connected" = "disconnected";
  #factoryStarted = false;
  #socket: Socket | null = null;
  #timeout: DelayedCall | null = null;
  #transport: SocketTransport | null = null;
  /** `true` while waiting for the reactor to run before attempting. */
  #deferred = false;

  constructor(spec: ConnectSpec, factory: ClientFactoryLike, owner: ConnectorOwner) {
    this.spec = spec;
    this.factory = factory;
    this.#owner = owner;
  }

  get state(): "disconnected" | "connecting" | "connected" {
    return this.#state;
  }

  get clock(): ReactorTime {
    return this.#owner.clock;
  }

  /** The established connection's transport, if connected. */
  get transport(): SocketTransport | null {
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

  connect(): void {
    if (this.#state !== "disconnected") throw new AlreadyConnectingError();
    this.#state = "connecting";
    if (!this.#factoryStarted) {
      this.factory.doStart();
      this.#factoryStarted = true;
    }
    if (!this.#owner.canConnect()) {
      this.#deferred = true;
      this.#owner.deferConnect(this);
      return;
    }
    this.#attempt();
  }

  /** Called by the reactor at startup for a connector whose `connect()` came before `run()`. */
  startDeferred(): void {
    if (!this.#deferred || this.#state !== "connecting") return;
    this.#deferred = false;
    this.#attempt();
  }

  stopConnecting(): void {
    if (this.#state !== "connecting") throw new NotConnectingError();
    this.#failed(new ConnectingCancelledError());
  }

  disconnect(): void {
    if (this.#state === "connecting") this.stopConnecting();
    else if (this.#state === "connected") this.#transport?.loseConnection();
  }

  #attempt(): void {
    this.#callFactory("startedConnecting", () => this.factory.startedConnecting?.(this));
    if (this.#state !== "connecting") return; // stopConnecting() from startedConnecting
    const s = this.spec;
    const socket =
      s.type === "TCP"
        ? s.tls
          ? // tls.connect hands these to net.connect; its typings just omit them.
            nodeTls().connect({
              ...s.tls,
              host: s.host,
              port: s.port,
              localAddress: s.bindAddress,
              allowHalfOpen: true,
            } as ConnectionOptions)
          : netConnect({
              host: s.host,
              port: s.port,
              localAddress: s.bindAddress,
              allowHalfOpen: true,
            })
        : netConnect({ path: s.path, allowHalfOpen: true });
    this.#socket = socket;
    if (s.timeoutMs > 0 && Number.isFinite(s.timeoutMs)) {
      this.#timeout = this.#owner.clock.callLater(s.timeoutMs, () => {
        this.#timeout = null;
        if (this.#socket === socket && this.#state === "connecting")
          this.#failed(new ConnectTimeoutError(this.describe(), s.timeoutMs));
      });
    }
    const onError = (error: NodeJS.ErrnoException) => {
      if (this.#socket !== socket || this.#state !== "connecting") return;
      this.#failed(mapConnectError(error, this.describe(), s.type === "TCP" ? s.host : s.path));
    };
    socket.once("error", onError);
    // TLS: connected means handshaken, so certificate errors fail the attempt (clientConnectionFailed).
    socket.once(s.type === "TCP" && s.tls ? "secureConnect" : "connect", () => {
      socket.off("error", onError);
      if (this.#socket !== socket || this.#state !== "connecting") {
        socket.destroy();
        return;
      }
      this.#clearTimeout();
      this.#state = "connected";
      const peer: Address =
        s.type === "TCP"
          ? tcpAddress(
              socket.remoteAddress ?? s.host,
              socket.remotePort ?? s.port,
              socket.remoteFamily === "IPv6" ? "IPv6" : "IPv4",
            )
          : unixAddress(s.path);
      let protocol: ReturnType<ClientFactoryLike["buildProtocol"]> = null;
      try {
        protocol = this.factory.buildProtocol(peer);
      } catch (error) {
        this.#owner.reportCallbackError(`${this.factory.constructor.name}.buildProtocol`, error);
      }
      if (!protocol) {
        this.#socket = null;
        socket.destroy();
        this.#state = "disconnected";
        this.#failedAfterRefusal(
          new ConnectError(`The factory refused the connection to ${this.describe()}.`),
        );
        return;
      }
      const real = new SocketTransport(
        socket,
        protocol,
        this,
        s.type,
        s.type === "UNIX" ? s.path : undefined,
      );
      this.#transport = real;
      this.#owner.connectionOpened(this, real);
      real.start();
    });
  }

  // TransportOwner, for the established connection.
  get logger(): Logger {
    return this.#owner.logger;
  }

  transportClosed(transport: SocketTransport, reason: Error): void {
    this.#owner.transportClosed(transport, reason);
    if (this.#transport !== transport) return;
    this.#transport = null;
    this.#socket = null;
    this.#state = "disconnected";
    this.#callFactory("clientConnectionLost", () =>
      this.factory.clientConnectionLost?.(this, reason),
    );
    this.#maybeStopFactory();
  }

  #failed(reason: ConnectError): void {
    this.#clearTimeout();
    const socket = this.#socket;
    this.#socket = null;
    if (socket && !socket.destroyed) socket.destroy();
    this.#deferred = false;
    this.#state = "disconnected";
    this.#failedAfterRefusal(reason);
  }

  #failedAfterRefusal(reason: ConnectError): void {
    this.#callFactory("clientConnectionFailed", () =>
      this.factory.clientConnectionFailed?.(this, reason),
    );
    this.#maybeStopFactory();
  }

  #maybeStopFactory(): void {
    // Reconnecting from inside the callback (connect()) keeps the session, and the factory, going.
    if (this.#state !== "disconnected") return;
    if (this.#factoryStarted) {
      this.#factoryStarted = false;
      try {
        this.factory.doStop();
      } catch (error) {
        this.#owner.reportCallbackError(`${this.factory.constructor.name}.doStop`, error);
      }
    }
    this.#owner.connectorIdle(this);
  }

  #clearTimeout(): void {
    if (this.#timeout?.active()) this.#timeout.cancel();
    this.#timeout = null;
  }

  #callFactory(name: string, fn: () => unknown): void {
    try {
      const r = fn();
      if (
        r !== null &&
        typeof r === "object" &&
        typeof (r as PromiseLike<unknown>).then === "function"
      ) {
        (r as PromiseLike<unknown>).then(undefined, (e: unknown) =>
          this.#owner.reportCallbackError(`${this.factory.constructor.name}.${name}`, e),
        );
      }
    } catch (error) {
      this.#owner.reportCallbackError(`${this.factory.constructor.name}.${name}`, error);
    }
  }
}
