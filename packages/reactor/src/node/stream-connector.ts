import { connect as netConnect, type Socket } from "node:net";
import type { ConnectionOptions } from "node:tls";
import {
  BaseConnector,
  type BaseConnectSpec,
  type ConnectorOwner,
} from "../base/base-connector.js";
import { type Address, tcpAddress, unixAddress } from "../core/address.js";
import { ConnectError, ConnectionRefusedError, DNSLookupError } from "../core/errors.js";
import type { ClientFactoryLike } from "../core/interfaces.js";
import type { Logger } from "../core/logger.js";
import { nodeTls } from "./node-tls.js";
import { SocketTransport, type TransportOwner } from "./socket-transport.js";

/** Where a {@link StreamConnector} connects: the base spec, with TLS options for `connectTLS`. */
export type ConnectSpec =
  | (Extract<BaseConnectSpec, { type: "TCP" }> & { readonly tls?: ConnectionOptions })
  | Extract<BaseConnectSpec, { type: "UNIX" }>;

/** What a stream connector needs from the reactor that owns it. */
export interface StreamConnectorOwner extends ConnectorOwner, TransportOwner {
  /** A connection was established: track its transport. */
  connectionOpened(transport: SocketTransport): void;
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
 * A client connection attempt on node:net (or node:tls), with the shared connector life cycle of
 * {@link BaseConnector}: this class only opens the socket, maps its errors and wraps it in a
 * {@link SocketTransport}.
 */
export class StreamConnector
  extends BaseConnector<ConnectSpec, SocketTransport>
  implements TransportOwner
{
  readonly #owner: StreamConnectorOwner;
  #socket: Socket | null = null;

  constructor(spec: ConnectSpec, factory: ClientFactoryLike, owner: StreamConnectorOwner) {
    super(spec, factory, owner);
    this.#owner = owner;
  }

  protected override beginAttempt(): void {
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
    const onError = (error: NodeJS.ErrnoException) => {
      if (this.#socket !== socket || this.state !== "connecting") return;
      this.failed(mapConnectError(error, this.describe(), s.type === "TCP" ? s.host : s.path));
    };
    socket.once("error", onError);
    // TLS: connected means handshaken, so certificate errors fail the attempt (clientConnectionFailed).
    socket.once(s.type === "TCP" && s.tls ? "secureConnect" : "connect", () => {
      socket.off("error", onError);
      if (this.#socket !== socket || this.state !== "connecting") {
        socket.destroy();
        return;
      }
      const peer: Address =
        s.type === "TCP"
          ? tcpAddress(
              socket.remoteAddress ?? s.host,
              socket.remotePort ?? s.port,
              socket.remoteFamily === "IPv6" ? "IPv6" : "IPv4",
            )
          : unixAddress(s.path);
      const protocol = this.buildClientProtocol(peer);
      if (!protocol) {
        this.#socket = null;
        socket.destroy();
        return;
      }
      const real = new SocketTransport(
        socket,
        protocol,
        this,
        s.type,
        s.type === "UNIX" ? s.path : undefined,
      );
      this.connected(real);
      this.#owner.connectionOpened(real);
      real.start();
    });
  }

  protected override abandonAttempt(): void {
    const socket = this.#socket;
    this.#socket = null;
    if (socket && !socket.destroyed) socket.destroy();
  }

  // TransportOwner, for the established connection.
  get logger(): Logger {
    return this.#owner.logger;
  }

  transportClosed(transport: SocketTransport, reason: Error): void {
    this.#owner.transportClosed(transport, reason);
    if (this.transport === transport) this.#socket = null;
    this.connectionLost(transport, reason);
  }
}
