import {
  type Address,
  type FactoryLike,
  InvalidArgumentError,
  type ProtocolLike,
  tcpAddress,
} from "@lr/reactor";
import { MemoryConnection, type MemoryTransport } from "./memory-connection.js";

/**
 * Moves bytes between the two ends of an in-memory connection, deterministically and only when asked
 * (Twisted's iosim `IOPump`).
 *
 * @example
 * ```ts
 * const { client, pump } = connectedServerAndClient(new Echo(), new AccumulatingProtocol());
 * client.transport?.write("hello");
 * pump.flush();
 * expect(client.text()).toBe("hello");
 * ```
 */
export class IOPump {
  /** The connection being pumped. */
  readonly connection: MemoryConnection;

  constructor(connection: MemoryConnection) {
    this.connection = connection;
  }

  /** The server end's transport. */
  get serverTransport(): MemoryTransport {
    return this.connection.server;
  }

  /** The client end's transport. */
  get clientTransport(): MemoryTransport {
    return this.connection.client;
  }

  /**
   * Moves pending bytes once each way (client to server first), then delivers any close or half-close
   * that became due. Returns whether anything moved. An exception thrown by a protocol callback
   * propagates to the caller.
   */
  pump(): boolean {
    return this.connection.pump();
  }

  /** Pumps until nothing moves. Throws after `maxRounds` rounds (protocols that never go quiet). */
  flush(maxRounds = 1000): void {
    this.connection.flush(maxRounds);
  }
}

/** A protocol instance, a protocol class, or a factory that builds the protocol. */
export type ProtocolSource = ProtocolLike | FactoryLike | (new () => ProtocolLike);

/** The protocol type {@link connectedServerAndClient} returns for a {@link ProtocolSource}. */
export type ProtocolOf<S> = S extends new () => infer P
  ? P
  : S extends FactoryLike
    ? ProtocolLike
    : S;

/** Options of {@link connectedServerAndClient}. */
export interface ConnectedOptions {
  /** The server end's address (default TCP 198.51.100.1:9000). */
  serverAddress?: Address;
  /** The client end's address (default TCP 192.0.2.1:54321). */
  clientAddress?: Address;
  /** Flush once after connecting, so greetings are exchanged (default `true`). */
  greet?: boolean;
}

/** What {@link connectedServerAndClient} returns. */
export interface ConnectedPair<S, C> {
  /** The server protocol. */
  readonly server: S;
  /** The client protocol. */
  readonly client: C;
  /** Moves bytes between them. */
  readonly pump: IOPump;
}

function resolveProtocol(source: ProtocolSource, addr: Address, side: string): ProtocolLike {
  if (typeof source === "function") return new source();
  if ("buildProtocol" in source && typeof source.buildProtocol === "function") {
    const protocol = source.buildProtocol(addr);
    if (!protocol)
      throw new InvalidArgumentError(
        `The ${side} factory refused the connection (buildProtocol returned null).`,
      );
    return protocol;
  }
  return source as ProtocolLike;
}

/**
 * Connects a server protocol and a client protocol through memory (Twisted's iosim
 * `connectedServerAndClient`): builds them (from instances, classes or factories), calls
 * `makeConnection` on the server then the client, and by default flushes once. Nothing is
 * asynchronous: bytes move when the returned pump is pumped. Throws `InvalidArgumentError` if a
 * factory refuses the connection.
 *
 * @example
 * ```ts
 * const { server, client, pump } = connectedServerAndClient(Factory.forProtocol(Echo), AccumulatingProtocol);
 * client.transport?.write("ping");
 * pump.flush();
 * client.transport?.loseConnection();
 * pump.flush(); // both sides got connectionLost(ConnectionDone)
 * ```
 */
export function connectedServerAndClient<S extends ProtocolSource, C extends ProtocolSource>(
  serverSource: S,
  clientSource: C,
  options: ConnectedOptions = {},
): ConnectedPair<ProtocolOf<S>, ProtocolOf<C>> {
  const serverAddress = options.serverAddress ?? tcpAddress("198.51.100.1", 9000);
  const clientAddress = options.clientAddress ?? tcpAddress("192.0.2.1", 54321);
  const server = resolveProtocol(serverSource, clientAddress, "server");
  const client = resolveProtocol(clientSource, serverAddress, "client");
  const connection = new MemoryConnection(server, client, { serverAddress, clientAddress });
  connection.start();
  const pump = new IOPump(connection);
  if (options.greet ?? true) pump.flush();
  return { server: server as ProtocolOf<S>, client: client as ProtocolOf<C>, pump };
}
