import {
  type Address,
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  type Producer,
  type ProtocolLike,
  type Transport,
} from "@lr/reactor";
import { callGuarded } from "@lr/reactor/internal";
import { TransportStateError } from "./string-transport.js";

/** What a {@link MemoryConnection} does when a protocol callback throws or rejects. */
export type CallbackErrorHandler = (
  error: unknown,
  where: string,
  transport: MemoryTransport,
) => void;

/** How a {@link MemoryTransport} reports its own closing to whoever tracks it (a memory reactor). */
export type TransportClosedHandler = (transport: MemoryTransport, reason: Error) => void;

function toBuffer(data: string | Uint8Array): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`Transport.write() takes a string or a Uint8Array, got ${typeof data}.`);
}

/**
 * One end of an in-memory connection (Twisted's iosim `FakeTransport`). Bytes written are queued
 * until the owning {@link MemoryConnection} is pumped; they then reach the peer protocol's
 * `dataReceived`. Closing follows the real transport: `loseConnection()` delivers what is queued, then
 * both sides get `connectionLost(ConnectionDone)`; `abortConnection()` discards what is queued, the
 * aborting side gets `ConnectionAborted` and the peer a `ConnectionLost`.
 */
export class MemoryTransport implements Transport {
  /** The protocol this transport drives. */
  readonly protocol: ProtocolLike;
  /** `"TCP"` or `"UNIX"`. */
  readonly kind: "TCP" | "UNIX";
  /** Called once when this end has closed (after the protocol's `connectionLost`). */
  onClosed: TransportClosedHandler | null = null;
  #disconnecting = false;
  #disconnected = false;
  /** @internal */ aborted = false;
  /** @internal */ writeClosed = false;
  /** @internal */ writeCloseSignalled = false;
  /** @internal */ readClosed = false;
  /** @internal */ outgoing: Buffer[] = [];
  #paused = false;
  #held: Buffer[] = [];
  #producer: Producer | null = null;
  #streaming = false;
  #producerPaused = false;
  readonly #host: Address;
  readonly #peer: Address;
  readonly #connection: MemoryConnection;

  /** @internal created by {@link MemoryConnection} */
  constructor(connection: MemoryConnection, protocol: ProtocolLike, host: Address, peer: Address) {
    this.#connection = connection;
    this.protocol = protocol;
    this.#host = host;
    this.#peer = peer;
    this.kind = host.type;
  }

  get disconnecting(): boolean {
    return this.#disconnecting;
  }

  get disconnected(): boolean {
    return this.#disconnected;
  }

  /** Bytes written but not yet moved to the peer. */
  get bufferedAmount(): number {
    let n = 0;
    for (const c of this.outgoing) n += c.length;
    return n;
  }

  /** The registered producer, if any. */
  get producer(): Producer | null {
    return this.#producer;
  }

  /** The connection this transport is an end of. */
  get connection(): MemoryConnection {
    return this.#connection;
  }

  write(data: string | Uint8Array): void {
    const chunk = toBuffer(data);
    if (this.#disconnecting || this.writeClosed || chunk.length === 0) return;
    this.outgoing.push(Buffer.from(chunk));
    const limit = this.#connection.highWaterMark;
    if (
      this.#producer &&
      this.#streaming &&
      !this.#producerPaused &&
      this.bufferedAmount >= limit
    ) {
      this.#producerPaused = true;
      const producer = this.#producer;
      this.invoke("producer.pauseProducing", () => producer.pauseProducing?.());
    }
    this.#connection.notify();
  }

  writeSequence(data: Iterable<string | Uint8Array>): void {
    for (const chunk of data) this.write(chunk);
  }

  loseConnection(): void {
    if (this.#disconnecting) return;
    this.#disconnecting = true;
    this.#stopProducer();
    this.#connection.notify();
  }

  abortConnection(): void {
    if (this.#disconnected || this.aborted) return;
    this.#disconnecting = true;
    this.aborted = true;
    this.outgoing = [];
    this.#stopProducer();
    this.#connection.notify();
  }

  loseWriteConnection(): void {
    if (this.writeClosed || this.#disconnecting) return;
    this.writeClosed = true;
    this.#connection.notify();
  }

  getPeer(): Address {
    return this.#peer;
  }

  getHost(): Address {
    return this.#host;
  }

  pauseProducing(): void {
    this.#paused = true;
  }

  resumeProducing(): void {
    if (!this.#paused) return;
    this.#paused = false;
    while (this.#held.length > 0 && !this.#paused && !this.#disconnecting)
      this.receive(this.#held.shift() as Buffer);
  }

  stopProducing(): void {
    this.loseConnection();
  }

  registerProducer(producer: Producer, streaming: boolean): void {
    if (this.#producer)
      throw new TransportStateError("A producer is already registered on this transport.");
    if (this.#disconnecting) {
      producer.stopProducing();
      return;
    }
    this.#producer = producer;
    this.#streaming = streaming;
    this.#producerPaused = false;
    // Memory buffers never fill up: a pull producer is asked for data at once (and again on each pump).
    if (!streaming) producer.resumeProducing();
  }

  unregisterProducer(): void {
    this.#producer = null;
  }

  setTcpNoDelay(_enabled: boolean): void {}

  setTcpKeepAlive(_enabled: boolean, _initialDelayMs?: number): void {}

  /** @internal delivers bytes from the peer */
  receive(chunk: Buffer): void {
    if (this.#disconnecting || this.#disconnected) return;
    if (this.#paused) {
      this.#held.push(chunk);
      return;
    }
    this.invoke("dataReceived", () => this.protocol.dataReceived(chunk));
  }

  /** @internal the queue was taken whole: resumes a streaming producer paused at the high-water mark */
  drained(): void {
    if (!this.#producerPaused) return;
    this.#producerPaused = false;
    const producer = this.#producer;
    if (producer && this.#streaming && !this.#disconnecting)
      this.invoke("producer.resumeProducing", () => producer.resumeProducing());
  }

  /** @internal asks a pull producer for more (each pump), like a drained socket would */
  pullProducer(): void {
    if (this.#producer && !this.#streaming && !this.#disconnecting)
      this.invoke("producer.resumeProducing", () => this.#producer?.resumeProducing());
  }

  /** @internal */
  close(reason: Error): void {
    if (this.#disconnected) return;
    this.#disconnected = true;
    this.#disconnecting = true;
    this.outgoing = [];
    this.#held = [];
    this.#stopProducer();
    this.invoke("connectionLost", () => this.protocol.connectionLost(reason), false);
    this.onClosed?.(this, reason);
  }

  /** @internal runs a protocol callback under the connection's error policy */
  invoke(where: string, fn: () => unknown, abortOnFailure = true): void {
    const fail = (error: unknown) => {
      this.#connection.reportError(error, where, this);
      if (abortOnFailure && this.#connection.abortOnCallbackError) this.abortConnection();
    };
    callGuarded(fn, fail);
  }

  #stopProducer(): void {
    const producer = this.#producer;
    this.#producer = null;
    if (producer) this.invoke("producer.stopProducing", () => producer.stopProducing(), false);
  }
}

/** Options of {@link MemoryConnection}. */
export interface MemoryConnectionOptions {
  /** Address of the server end (default TCP 198.51.100.1:9000). */
  serverAddress: Address;
  /** Address of the client end (default TCP 192.0.2.1:54321). */
  clientAddress: Address;
  /** Called whenever there is something to move (bytes written, a close requested). */
  onPending?: () => void;
  /** Called when a protocol callback throws or rejects. Default: rethrow (synchronous failures reach the caller of `pump()`). */
  onCallbackError?: CallbackErrorHandler;
  /** Abort the connection of a protocol whose callback failed, as the real reactor does (default `false`). */
  abortOnCallbackError?: boolean;
  /** How many of the `available` bytes queued at `from` move in one pump (default all; 0 = none now). */
  take?: (from: MemoryTransport, available: number) => number;
  /** Buffered bytes at which a sender's streaming producer is paused, until its queue drains (default none). */
  highWaterMark?: number;
}

/**
 * A pair of {@link MemoryTransport}s wired back to back. Nothing moves until {@link MemoryConnection.pump}
 * is called (by an `IOPump`, by a `MemoryNetwork` on its clock, or by the test).
 */
export class MemoryConnection {
  /** The server end. */
  readonly server: MemoryTransport;
  /** The client end. */
  readonly client: MemoryTransport;
  /** @internal */ readonly abortOnCallbackError: boolean;
  /** @internal */ readonly highWaterMark: number;
  readonly #takeHook: ((from: MemoryTransport, available: number) => number) | undefined;
  readonly #onPending: (() => void) | undefined;
  readonly #onCallbackError: CallbackErrorHandler;

  constructor(
    serverProtocol: ProtocolLike,
    clientProtocol: ProtocolLike,
    options: MemoryConnectionOptions,
  ) {
    this.#onPending = options.onPending;
    this.#onCallbackError =
      options.onCallbackError ??
      ((error) => {
        throw error;
      });
    this.abortOnCallbackError = options.abortOnCallbackError ?? false;
    this.highWaterMark = options.highWaterMark ?? Number.POSITIVE_INFINITY;
    this.#takeHook = options.take;
    this.server = new MemoryTransport(
      this,
      serverProtocol,
      options.serverAddress,
      options.clientAddress,
    );
    this.client = new MemoryTransport(
      this,
      clientProtocol,
      options.clientAddress,
      options.serverAddress,
    );
  }

  /** `true` once both ends are closed. */
  get closed(): boolean {
    return this.server.disconnected && this.client.disconnected;
  }

  /** `true` while written bytes wait to move (either way). */
  get pendingBytes(): boolean {
    return this.client.outgoing.length > 0 || this.server.outgoing.length > 0;
  }

  /**
   * Resets the connection, as a network failure would: bytes not yet moved are lost, and both ends
   * see `connectionLost(ConnectionLost)` (client first). Does nothing once both ends are closed.
   */
  reset(): void {
    if (this.closed) return;
    this.client.outgoing = [];
    this.server.outgoing = [];
    const reason = () =>
      new ConnectionLost("Connection was reset by the network.", { code: "ERR_CONNECTION_LOST" });
    this.client.close(reason());
    this.server.close(reason());
  }

  /** Calls `makeConnection` on the server protocol, then on the client protocol. */
  start(): void {
    this.server.invoke("makeConnection", () => this.server.protocol.makeConnection(this.server));
    this.client.invoke("makeConnection", () => this.client.protocol.makeConnection(this.client));
  }

  /** @internal */
  notify(): void {
    this.#onPending?.();
  }

  /** @internal */
  reportError(error: unknown, where: string, transport: MemoryTransport): void {
    this.#onCallbackError(error, where, transport);
  }

  /**
   * Moves what is pending once: the client's queued bytes to the server, the server's to the client,
   * then any close or half-close that became due. Returns whether anything happened.
   */
  pump(): boolean {
    if (this.closed) return false;
    // Take both queues first: bytes written in reaction to this delivery wait for the next pump.
    const fromClient = this.#take(this.client);
    const fromServer = this.#take(this.server);
    if (fromClient) this.server.receive(fromClient);
    if (fromServer) this.client.receive(fromServer);
    let moved = fromClient !== null || fromServer !== null;
    moved = this.#settleClose() || moved;
    if (!moved) {
      // Bytes a `take` hook held back are not news; bytes a pull producer writes now are.
      const held = this.client.outgoing.length + this.server.outgoing.length;
      this.client.pullProducer();
      this.server.pullProducer();
      moved = this.client.outgoing.length + this.server.outgoing.length > held;
    }
    return moved;
  }

  /** Pumps until nothing moves; throws after `maxRounds` rounds (two protocols that never stop talking). */
  flush(maxRounds = 1000): void {
    for (let i = 0; this.pump(); i++) {
      if (i >= maxRounds)
        throw new Error(`MemoryConnection.flush(): still busy after ${maxRounds} rounds.`);
    }
  }

  #take(from: MemoryTransport): Buffer | null {
    if (from.outgoing.length === 0) return null;
    const chunks = from.outgoing;
    const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const n = this.#takeHook
      ? Math.min(all.length, Math.floor(this.#takeHook(from, all.length)))
      : all.length;
    if (n < all.length) {
      from.outgoing = [all];
      if (!(n > 0)) return null;
      from.outgoing = [all.subarray(n)];
      return all.subarray(0, n);
    }
    from.outgoing = [];
    from.drained();
    return all;
  }

  #settleClose(): boolean {
    const { server, client } = this;
    if (server.disconnected && client.disconnected) return false;
    for (const [a, b] of [
      [client, server],
      [server, client],
    ] as const) {
      if (a.aborted && !a.disconnected) {
        a.close(new ConnectionAborted());
        b.close(
          new ConnectionLost("Connection was reset by the peer.", { code: "ERR_CONNECTION_LOST" }),
        );
        return true;
      }
    }
    for (const [a, b] of [
      [client, server],
      [server, client],
    ] as const) {
      if (a.disconnecting && !a.disconnected && a.outgoing.length === 0) {
        // As in Twisted's iosim: the side that did not close hears about it first.
        b.close(new ConnectionDone());
        a.close(new ConnectionDone());
        return true;
      }
    }
    let moved = false;
    for (const [a, b] of [
      [client, server],
      [server, client],
    ] as const) {
      if (a.writeClosed && !a.writeCloseSignalled && a.outgoing.length === 0) {
        a.writeCloseSignalled = true;
        b.readClosed = true;
        moved = true;
        if (a.protocol.writeConnectionLost)
          a.invoke("writeConnectionLost", () => a.protocol.writeConnectionLost?.());
        if (b.protocol.readConnectionLost)
          b.invoke("readConnectionLost", () => b.protocol.readConnectionLost?.());
        else b.loseConnection();
      }
    }
    if (
      client.writeCloseSignalled &&
      server.writeCloseSignalled &&
      client.outgoing.length === 0 &&
      server.outgoing.length === 0
    ) {
      client.close(new ConnectionDone());
      server.close(new ConnectionDone());
      return true;
    }
    return moved;
  }
}
