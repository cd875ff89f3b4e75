import {
  type Address,
  ConnectionDone,
  type Producer,
  type ProtocolLike,
  type Transport,
  TransportStateError,
  tcpAddress,
} from "@lr/reactor";

export { TransportStateError };

/** Options of {@link StringTransport}. */
export interface StringTransportOptions {
  /** What `getHost()` returns (default TCP 198.51.100.1:12345, a documentation address). */
  hostAddress?: Address;
  /** What `getPeer()` returns (default TCP 192.0.2.1:54321, a documentation address). */
  peerAddress?: Address;
  /** Allow `pauseProducing()`/`resumeProducing()` after `loseConnection()` instead of throwing (default `false`). */
  lenient?: boolean;
}

/** The transport's own producer state, as driven by the protocol calling pause/resume/stopProducing. */
export type ProducerState = "producing" | "paused" | "stopped";

function toBuffer(data: string | Uint8Array): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`Transport.write() takes a string or a Uint8Array, got ${typeof data}.`);
}

/**
 * A {@link Transport} that records everything written to it, for unit-testing a protocol without a
 * network (Twisted's `StringTransport`). Nothing is ever sent or received: the test reads what the
 * protocol wrote with {@link StringTransport.value} and feeds input by calling `dataReceived` itself.
 *
 * `loseConnection()` only sets `disconnecting` (the protocol's `connectionLost` is not called; use
 * {@link StringTransportWithDisconnection} for that); `abortConnection()` also sets `disconnected`.
 * Writes are recorded even after `loseConnection()`, so a test can see what a protocol tried to send.
 *
 * @example
 * ```ts
 * const transport = new StringTransport();
 * const protocol = new Echo();
 * protocol.makeConnection(transport);
 * protocol.dataReceived(Buffer.from("hi"));
 * expect(transport.value().toString()).toBe("hi");
 * ```
 */
export class StringTransport implements Transport {
  /** `true` once `loseConnection()`, `abortConnection()` or `stopProducing()` was called. */
  disconnecting = false;
  /** `true` once `abortConnection()` was called. */
  disconnected = false;
  /** `true` once `loseWriteConnection()` was called. */
  writeClosed = false;
  /** The registered producer, if any. */
  producer: Producer | null = null;
  /** Whether the registered producer is a streaming (push) producer. */
  streaming: boolean | null = null;
  /** The transport's producer state, changed by the protocol's pause/resume/stopProducing calls. */
  producerState: ProducerState = "producing";
  /** Last `setTcpNoDelay()` value. */
  tcpNoDelay = false;
  /** Last `setTcpKeepAlive()` value. */
  tcpKeepAlive = false;
  readonly #host: Address;
  readonly #peer: Address;
  readonly #lenient: boolean;
  #chunks: Buffer[] = [];

  constructor(options: StringTransportOptions = {}) {
    this.#host = options.hostAddress ?? tcpAddress("198.51.100.1", 12345);
    this.#peer = options.peerAddress ?? tcpAddress("192.0.2.1", 54321);
    this.#lenient = options.lenient ?? false;
  }

  /** Every byte written since creation or the last {@link StringTransport.clear}. */
  value(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  /** {@link StringTransport.value} decoded as UTF-8. */
  text(): string {
    return this.value().toString("utf8");
  }

  /** Forgets what was written so far. */
  clear(): void {
    this.#chunks = [];
  }

  /** Records `data` (a string is UTF-8 encoded). Throws `TypeError` for anything else. */
  write(data: string | Uint8Array): void {
    const chunk = toBuffer(data);
    // Copy: the caller may reuse its buffer after write() returns.
    if (chunk.length > 0) this.#chunks.push(Buffer.from(chunk));
  }

  /** Records each chunk in order. */
  writeSequence(data: Iterable<string | Uint8Array>): void {
    for (const chunk of data) this.write(chunk);
  }

  /** Sets `disconnecting`; nothing else happens. */
  loseConnection(): void {
    this.disconnecting = true;
  }

  /** Sets `disconnecting` and `disconnected`. */
  abortConnection(): void {
    this.disconnecting = true;
    this.disconnected = true;
  }

  /** Sets `writeClosed`. */
  loseWriteConnection(): void {
    this.writeClosed = true;
  }

  /** The fake remote address. */
  getPeer(): Address {
    return this.#peer;
  }

  /** The fake local address. */
  getHost(): Address {
    return this.#host;
  }

  /** Sets `producerState` to `"paused"`. Throws `TransportStateError` after `loseConnection()` (unless lenient) or after `stopProducing()`. */
  pauseProducing(): void {
    this.#checkProducing("pause");
    this.producerState = "paused";
  }

  /** Sets `producerState` to `"producing"`. Throws like {@link StringTransport.pauseProducing}. */
  resumeProducing(): void {
    this.#checkProducing("resume");
    this.producerState = "producing";
  }

  /** Sets `producerState` to `"stopped"` and `disconnecting`. */
  stopProducing(): void {
    this.producerState = "stopped";
    this.disconnecting = true;
  }

  /** Stores the producer. Throws `TransportStateError` if one is already registered. */
  registerProducer(producer: Producer, streaming: boolean): void {
    if (this.producer)
      throw new TransportStateError("A producer is already registered on this transport.");
    this.producer = producer;
    this.streaming = streaming;
  }

  /** Forgets the producer. Throws `TransportStateError` if none is registered. */
  unregisterProducer(): void {
    if (!this.producer)
      throw new TransportStateError("No producer is registered on this transport.");
    this.producer = null;
    this.streaming = null;
  }

  /** Records the value in `tcpNoDelay`. */
  setTcpNoDelay(enabled: boolean): void {
    this.tcpNoDelay = enabled;
  }

  /** Records the value in `tcpKeepAlive`. */
  setTcpKeepAlive(enabled: boolean): void {
    this.tcpKeepAlive = enabled;
  }

  #checkProducing(what: "pause" | "resume"): void {
    if (this.producerState === "stopped")
      throw new TransportStateError(`Cannot ${what} producing after stopProducing().`);
    if (this.disconnecting && !this.#lenient)
      throw new TransportStateError(`Cannot ${what} producing after loseConnection().`);
  }
}

/**
 * A {@link StringTransport} whose `loseConnection()` also tells the protocol: the first call (while
 * not yet disconnected) marks the transport disconnected and calls
 * `protocol.connectionLost(new ConnectionDone())`. Set `protocol` before use.
 *
 * @example
 * ```ts
 * const transport = new StringTransportWithDisconnection();
 * transport.protocol = protocol;
 * protocol.makeConnection(transport);
 * transport.loseConnection(); // protocol.connectionLost(ConnectionDone) ran
 * ```
 */
export class StringTransportWithDisconnection extends StringTransport {
  /** The protocol to notify; set it before the protocol may close the connection. */
  protocol: ProtocolLike | null = null;

  /** Sets `disconnecting`; the first time, also `disconnected` and the protocol's `connectionLost(ConnectionDone)`. */
  override loseConnection(): void {
    this.disconnecting = true;
    if (this.disconnected) return;
    this.disconnected = true;
    this.protocol?.connectionLost(new ConnectionDone());
  }
}
