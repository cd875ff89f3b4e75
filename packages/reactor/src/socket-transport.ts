import type { Socket } from "node:net";
import { type Address, tcpAddress, unixAddress } from "./address.js";
import { ConnectionAborted, ConnectionDone, ConnectionLost } from "./errors.js";
import type { Producer, ProtocolLike, Transport } from "./interfaces.js";
import type { Logger } from "./logger.js";

/** What a transport needs from whoever owns it (the reactor, a connector). */
export interface TransportOwner {
  readonly logger: Logger;
  /** The transport closed; `reason` was already delivered to the protocol. */
  transportClosed(transport: SocketTransport, reason: Error): void;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/** Where a socket keeps its transport, so that one set of listener functions serves every socket. */
const kTransport = Symbol("lr.socketTransport");

type TaggedSocket = Socket & { [kTransport]?: SocketTransport };

/**
 * Addresses the creator already knows, so the transport neither asks the kernel again nor keeps a
 * second copy per connection (an accepting port shares its own address as every connection's host).
 */
export interface KnownAddresses {
  readonly peer?: Address;
  readonly host?: Address;
}

/**
 * A {@link Transport} over a connected `net.Socket` (TCP or UNIX). It translates socket events into
 * protocol callbacks, isolates callback failures (a throwing protocol only loses its own connection)
 * and implements flush-then-close, abort, half-close, read pausing and producer backpressure.
 */
export class SocketTransport implements Transport {
  readonly socket: Socket;
  readonly protocol: ProtocolLike;
  readonly kind: "TCP" | "UNIX";
  readonly #owner: TransportOwner;
  #disconnecting = false;
  #disconnected = false;
  #writeClosed = false;
  #readClosed = false;
  #paused = false;
  #aborted = false;
  #failure: unknown = undefined;
  #socketError: Error | undefined;
  #producer: Producer | null = null;
  #streaming = false;
  #producerPaused = false;
  /** Chunks that were already in flight when reading was paused (rare: allocated on demand). */
  #held: Buffer[] | null = null;
  readonly #peer: Address;
  readonly #host: Address;

  constructor(
    socket: Socket,
    protocol: ProtocolLike,
    owner: TransportOwner,
    kind: "TCP" | "UNIX",
    unixPath?: string,
    known?: KnownAddresses,
  ) {
    this.socket = socket;
    this.protocol = protocol;
    this.kind = kind;
    this.#owner = owner;
    if (kind === "TCP") {
      this.#peer =
        known?.peer ??
        tcpAddress(
          socket.remoteAddress ?? "",
          socket.remotePort ?? 0,
          socket.remoteFamily === "IPv6" ? "IPv6" : "IPv4",
        );
      this.#host =
        known?.host ??
        tcpAddress(
          socket.localAddress ?? "",
          socket.localPort ?? 0,
          socket.localFamily === "IPv6" ? "IPv6" : "IPv4",
        );
    } else {
      this.#peer = known?.peer ?? unixAddress(unixPath ?? null);
      this.#host = known?.host ?? unixAddress(unixPath ?? null);
    }
    // Shared listener functions instead of five closures per connection: idle connections are the
    // memory-bound case (thousands held open), and the closures were a visible share of each one.
    const listeners = SocketTransport.#listeners;
    (socket as TaggedSocket)[kTransport] = this;
    socket.on("data", listeners.data);
    socket.on("end", listeners.end);
    socket.on("error", listeners.error);
    socket.on("close", listeners.close);
    socket.on("drain", listeners.drain);
  }

  static readonly #listeners = {
    data(this: TaggedSocket, chunk: Buffer): void {
      const transport = this[kTransport];
      if (transport) transport.#onData(chunk);
    },
    end(this: TaggedSocket): void {
      const transport = this[kTransport];
      if (transport) transport.#onEnd();
    },
    error(this: TaggedSocket, error: Error): void {
      const transport = this[kTransport];
      if (transport) transport.#socketError ??= error;
    },
    close(this: TaggedSocket): void {
      const transport = this[kTransport];
      if (transport) transport.#onClose();
    },
    drain(this: TaggedSocket): void {
      const transport = this[kTransport];
      if (transport) transport.#onDrain();
    },
  };

  /** Attaches the protocol (calls its `makeConnection`), isolating a failure. */
  start(): void {
    this.#invoke("makeConnection", () => this.protocol.makeConnection(this));
  }

  get disconnecting(): boolean {
    return this.#disconnecting;
  }

  get disconnected(): boolean {
    return this.#disconnected;
  }

  /** Bytes queued in user space, not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  write(data: string | Uint8Array): void {
    if (this.#disconnecting || this.#writeClosed) return;
    if (typeof data === "string" ? data.length === 0 : data.byteLength === 0) return;
    const ok = this.socket.write(data);
    if (!this.#producer) return;
    if (this.#streaming) {
      if (!ok && !this.#producerPaused) {
        this.#producerPaused = true;
        this.#callProducer("pauseProducing");
      }
    } else if (ok) {
      // The write went straight to the kernel (no 'drain' will follow): ask a pull producer for
      // more on the next turn, as if the buffer had just emptied.
      this.#schedulePull();
    }
  }

  #pullScheduled = false;

  #schedulePull(): void {
    if (this.#pullScheduled) return;
    this.#pullScheduled = true;
    setImmediate(() => {
      this.#pullScheduled = false;
      if (
        this.#producer &&
        !this.#streaming &&
        !this.#disconnecting &&
        !this.socket.writableNeedDrain
      ) {
        this.#callProducer("resumeProducing");
      }
    });
  }

  writeSequence(data: Iterable<string | Uint8Array>): void {
    for (const chunk of data) this.write(chunk);
  }

  loseConnection(): void {
    if (this.#disconnecting) return;
    this.#disconnecting = true;
    this.socket.pause();
    if (this.#producer) {
      this.#callProducer("stopProducing");
      this.#producer = null;
    }
    if (this.socket.destroyed) return;
    // end() flushes queued writes then sends FIN; 'finish' fires once everything reached the kernel.
    this.socket.end(() => {
      if (!this.socket.destroyed) this.socket.destroy();
    });
  }

  abortConnection(): void {
    if (this.#disconnected || this.#aborted) return;
    this.#disconnecting = true;
    this.#aborted = true;
    if (this.#producer) {
      this.#callProducer("stopProducing");
      this.#producer = null;
    }
    // resetAndDestroy() throws on a TLS socket (its handle is not a TCP handle): plain destroy there.
    const encrypted = (this.socket as Socket & { encrypted?: boolean }).encrypted === true;
    if (
      this.kind === "TCP" &&
      !encrypted &&
      typeof this.socket.resetAndDestroy === "function" &&
      !this.socket.connecting &&
      !this.socket.destroyed
    ) {
      this.socket.resetAndDestroy();
    } else {
      this.socket.destroy();
    }
  }

  loseWriteConnection(): void {
    if (this.#writeClosed || this.#disconnecting) return;
    this.#writeClosed = true;
    this.socket.end(() => {
      if (this.protocol.writeConnectionLost) {
        this.#invoke("writeConnectionLost", () => this.protocol.writeConnectionLost?.());
      }
      if (this.#readClosed && !this.socket.destroyed) this.socket.destroy();
    });
  }

  getPeer(): Address {
    return this.#peer;
  }

  getHost(): Address {
    return this.#host;
  }

  pauseProducing(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.socket.pause();
  }

  resumeProducing(): void {
    if (!this.#paused) return;
    this.#paused = false;
    const held = this.#held;
    while (held && held.length > 0 && !this.#paused && !this.#disconnecting) {
      this.#onData(held.shift() as Buffer);
    }
    if (!this.#paused && !this.#disconnecting) this.socket.resume();
  }

  stopProducing(): void {
    this.loseConnection();
  }

  registerProducer(producer: Producer, streaming: boolean): void {
    if (this.#producer) throw new Error("A producer is already registered on this transport.");
    if (this.#disconnecting) {
      producer.stopProducing();
      return;
    }
    this.#producer = producer;
    this.#streaming = streaming;
    this.#producerPaused = false;
    if (streaming) {
      if (this.socket.writableNeedDrain) {
        this.#producerPaused = true;
        producer.pauseProducing?.();
      }
    } else {
      producer.resumeProducing();
    }
  }

  unregisterProducer(): void {
    this.#producer = null;
    this.#producerPaused = false;
  }

  setTcpNoDelay(enabled: boolean): void {
    if (this.kind === "TCP") this.socket.setNoDelay(enabled);
  }

  setTcpKeepAlive(enabled: boolean, initialDelayMs = 0): void {
    if (this.kind === "TCP") this.socket.setKeepAlive(enabled, initialDelayMs);
  }

  #onData(chunk: Buffer): void {
    if (this.#disconnecting) return;
    if (this.#paused) {
      // A chunk already in flight when reading was paused: keep it for resumeProducing().
      this.#held ??= [];
      this.#held.push(chunk);
      return;
    }
    const protocol = this.protocol;
    try {
      const result = protocol.dataReceived(chunk);
      if (result !== undefined && isThenable(result))
        result.then(undefined, (e: unknown) => this.#fail("dataReceived", e));
    } catch (error) {
      this.#fail("dataReceived", error);
    }
  }

  #onEnd(): void {
    this.#readClosed = true;
    if (this.#disconnecting) return;
    if (this.protocol.readConnectionLost) {
      this.#invoke("readConnectionLost", () => this.protocol.readConnectionLost?.());
      if (this.#writeClosed && !this.socket.destroyed) this.socket.destroy();
    } else {
      this.loseConnection();
    }
  }

  #onDrain(): void {
    const producer = this.#producer;
    if (!producer) return;
    if (this.#streaming) {
      if (this.#producerPaused) {
        this.#producerPaused = false;
        this.#callProducer("resumeProducing");
      }
    } else {
      this.#callProducer("resumeProducing");
    }
  }

  #onClose(): void {
    if (this.#disconnected) return;
    this.#disconnected = true;
    this.#disconnecting = true;
    let reason: Error;
    if (this.#failure !== undefined) {
      const f = this.#failure;
      reason = new ConnectionAborted(
        `Connection aborted after a callback failed: ${f instanceof Error ? f.message : String(f)}`,
        { cause: f },
      );
    } else if (this.#aborted) {
      reason = new ConnectionAborted();
    } else if (this.#socketError) {
      reason = new ConnectionLost(
        `Connection was lost in a non-clean fashion: ${this.#socketError.message}`,
        { cause: this.#socketError },
      );
    } else {
      reason = new ConnectionDone();
    }
    if (this.#producer) {
      this.#callProducer("stopProducing");
      this.#producer = null;
    }
    this.#invoke("connectionLost", () => this.protocol.connectionLost(reason), false);
    this.#owner.transportClosed(this, reason);
  }

  #callProducer(method: "pauseProducing" | "resumeProducing" | "stopProducing"): void {
    const producer = this.#producer;
    if (!producer) return;
    try {
      producer[method]?.();
    } catch (error) {
      this.#fail(`producer.${method}`, error);
    }
  }

  #invoke(callback: string, fn: () => unknown, abortOnFailure = true): void {
    try {
      const result = fn();
      if (result !== undefined && isThenable(result)) {
        result.then(undefined, (e: unknown) =>
          abortOnFailure ? this.#fail(callback, e) : this.#log(callback, e),
        );
      }
    } catch (error) {
      if (abortOnFailure) this.#fail(callback, error);
      else this.#log(callback, error);
    }
  }

  #log(callback: string, error: unknown): void {
    this.#owner.logger.emit({
      level: "error",
      message: `Unhandled error in ${this.protocol.constructor.name}.${callback} (peer ${describePeer(this.#peer)})`,
      error,
      context: { callback, peer: this.#peer },
    });
  }

  #fail(callback: string, error: unknown): void {
    this.#log(callback, error);
    if (this.#disconnected) return;
    this.#failure ??= error;
    this.abortConnection();
  }
}

function describePeer(a: Address): string {
  return a.type === "UNIX" ? `unix:${a.path ?? "?"}` : `${a.host}:${a.port}`;
}
