import type { Socket } from "node:net";
import { type Address, tcpAddress, unixAddress } from "../core/address.js";
import {
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  TransportStateError,
} from "../core/errors.js";
import { callGuarded, isThenable } from "../core/helpers.js";
import type { Producer, ProtocolLike, Transport } from "../core/interfaces.js";
import type { Logger } from "../core/logger.js";

/** What a transport needs from whoever owns it (the reactor, a connector). */
export interface TransportOwner {
  readonly logger: Logger;
  /** The transport closed; `reason` was already delivered to the protocol. */
  transportClosed(transport: SocketTransport, reason: Error): void;
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

const F_DISCONNECTING = 1;
const F_DISCONNECTED = 2;
const F_WRITE_CLOSED = 4;
const F_READ_CLOSED = 8;
const F_PAUSED = 16;
const F_ABORTED = 32;
const F_STREAMING = 64;
const F_PRODUCER_PAUSED = 128;
const F_PULL_SCHEDULED = 256;
const F_DRAIN_LISTENER = 512;

/** The rarely used part of a transport's state. */
interface RareState {
  producer: Producer | null;
  /** What a failed callback threw (`undefined`: nothing failed). */
  failure: unknown;
  socketError: Error | undefined;
  /** Chunks that were already in flight when reading was paused. */
  held: Buffer[] | null;
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
  /**
   * Every yes/no state in one small integer (the `F_*` bits): thousands of idle connections are the
   * memory-bound case, and nine boolean fields were a tenth of a transport's share.
   */
  #flags = 0;
  /** State most connections never need (a producer, a failure, held chunks): allocated on demand. */
  #rare: RareState | null = null;
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
    // 'drain' only matters to a registered producer: listened for from the first registerProducer().
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
      if (transport) transport.#state().socketError ??= error;
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

  #state(): RareState {
    this.#rare ??= { producer: null, failure: undefined, socketError: undefined, held: null };
    return this.#rare;
  }

  get #producer(): Producer | null {
    return this.#rare === null ? null : this.#rare.producer;
  }

  #is(flag: number): boolean {
    return (this.#flags & flag) !== 0;
  }

  /** Attaches the protocol (calls its `makeConnection`), isolating a failure. */
  start(): void {
    this.#invoke("makeConnection", () => this.protocol.makeConnection(this));
  }

  get disconnecting(): boolean {
    return this.#is(F_DISCONNECTING);
  }

  get disconnected(): boolean {
    return this.#is(F_DISCONNECTED);
  }

  /** Bytes queued in user space, not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  write(data: string | Uint8Array): void {
    if (this.#is(F_DISCONNECTING | F_WRITE_CLOSED)) return;
    if (typeof data === "string" ? data.length === 0 : data.byteLength === 0) return;
    const ok = this.socket.write(data);
    if (this.#producer === null) return;
    if (this.#is(F_STREAMING)) {
      if (!ok && !this.#is(F_PRODUCER_PAUSED)) {
        this.#flags |= F_PRODUCER_PAUSED;
        this.#callProducer("pauseProducing");
      }
    } else if (ok) {
      // The write went straight to the kernel (no 'drain' will follow): ask a pull producer for
      // more on the next turn, as if the buffer had just emptied.
      this.#schedulePull();
    }
  }

  #schedulePull(): void {
    if (this.#is(F_PULL_SCHEDULED)) return;
    this.#flags |= F_PULL_SCHEDULED;
    setImmediate(() => {
      this.#flags &= ~F_PULL_SCHEDULED;
      if (
        this.#producer !== null &&
        !this.#is(F_STREAMING | F_DISCONNECTING) &&
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
    if (this.#is(F_DISCONNECTING)) return;
    this.#flags |= F_DISCONNECTING;
    this.socket.pause();
    this.#stopProducer();
    if (this.socket.destroyed) return;
    // end() flushes queued writes then sends FIN; 'finish' fires once everything reached the kernel.
    this.socket.end(() => {
      if (!this.socket.destroyed) this.socket.destroy();
    });
  }

  abortConnection(): void {
    if (this.#is(F_DISCONNECTED | F_ABORTED)) return;
    this.#flags |= F_DISCONNECTING | F_ABORTED;
    this.#stopProducer();
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
    if (this.#is(F_WRITE_CLOSED | F_DISCONNECTING)) return;
    this.#flags |= F_WRITE_CLOSED;
    this.socket.end(() => {
      if (this.protocol.writeConnectionLost) {
        this.#invoke("writeConnectionLost", () => this.protocol.writeConnectionLost?.());
      }
      if (this.#is(F_READ_CLOSED) && !this.socket.destroyed) this.socket.destroy();
    });
  }

  getPeer(): Address {
    return this.#peer;
  }

  getHost(): Address {
    return this.#host;
  }

  pauseProducing(): void {
    if (this.#is(F_PAUSED)) return;
    this.#flags |= F_PAUSED;
    this.socket.pause();
  }

  resumeProducing(): void {
    if (!this.#is(F_PAUSED)) return;
    this.#flags &= ~F_PAUSED;
    const held = this.#rare?.held;
    while (held && held.length > 0 && !this.#is(F_PAUSED | F_DISCONNECTING)) {
      this.#onData(held.shift() as Buffer);
    }
    if (!this.#is(F_PAUSED | F_DISCONNECTING)) this.socket.resume();
  }

  stopProducing(): void {
    this.loseConnection();
  }

  registerProducer(producer: Producer, streaming: boolean): void {
    if (this.#producer !== null)
      throw new TransportStateError("A producer is already registered on this transport.");
    if (this.#is(F_DISCONNECTING)) {
      producer.stopProducing();
      return;
    }
    this.#state().producer = producer;
    if (!this.#is(F_DRAIN_LISTENER)) {
      this.#flags |= F_DRAIN_LISTENER;
      this.socket.on("drain", SocketTransport.#listeners.drain);
    }
    this.#flags = streaming
      ? (this.#flags | F_STREAMING) & ~F_PRODUCER_PAUSED
      : this.#flags & ~(F_STREAMING | F_PRODUCER_PAUSED);
    if (streaming) {
      if (this.socket.writableNeedDrain) {
        this.#flags |= F_PRODUCER_PAUSED;
        producer.pauseProducing?.();
      }
    } else {
      producer.resumeProducing();
    }
  }

  unregisterProducer(): void {
    if (this.#rare !== null) this.#rare.producer = null;
    this.#flags &= ~F_PRODUCER_PAUSED;
  }

  setTcpNoDelay(enabled: boolean): void {
    if (this.kind === "TCP") this.socket.setNoDelay(enabled);
  }

  setTcpKeepAlive(enabled: boolean, initialDelayMs = 0): void {
    if (this.kind === "TCP") this.socket.setKeepAlive(enabled, initialDelayMs);
  }

  /** Tells a registered producer to stop, and forgets it. */
  #stopProducer(): void {
    if (this.#producer === null) return;
    this.#callProducer("stopProducing");
    (this.#rare as RareState).producer = null;
  }

  #onData(chunk: Buffer): void {
    if (this.#is(F_DISCONNECTING)) return;
    if (this.#is(F_PAUSED)) {
      // A chunk already in flight when reading was paused: keep it for resumeProducing().
      const state = this.#state();
      state.held ??= [];
      state.held.push(chunk);
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
    this.#flags |= F_READ_CLOSED;
    if (this.#is(F_DISCONNECTING)) return;
    if (this.protocol.readConnectionLost) {
      this.#invoke("readConnectionLost", () => this.protocol.readConnectionLost?.());
      if (this.#is(F_WRITE_CLOSED) && !this.socket.destroyed) this.socket.destroy();
    } else {
      this.loseConnection();
    }
  }

  #onDrain(): void {
    if (this.#producer === null) return;
    if (this.#is(F_STREAMING)) {
      if (this.#is(F_PRODUCER_PAUSED)) {
        this.#flags &= ~F_PRODUCER_PAUSED;
        this.#callProducer("resumeProducing");
      }
    } else {
      this.#callProducer("resumeProducing");
    }
  }

  #onClose(): void {
    if (this.#is(F_DISCONNECTED)) return;
    this.#flags |= F_DISCONNECTED | F_DISCONNECTING;
    const rare = this.#rare;
    let reason: Error;
    if (rare !== null && rare.failure !== undefined) {
      const f = rare.failure;
      reason = new ConnectionAborted(
        `Connection aborted after a callback failed: ${f instanceof Error ? f.message : String(f)}`,
        { cause: f },
      );
    } else if (this.#is(F_ABORTED)) {
      reason = new ConnectionAborted();
    } else if (rare?.socketError !== undefined) {
      const socketError = rare.socketError;
      reason = new ConnectionLost(
        `Connection was lost in a non-clean fashion: ${socketError.message}`,
        { cause: socketError },
      );
    } else {
      reason = new ConnectionDone();
    }
    this.#stopProducer();
    this.#invoke("connectionLost", () => this.protocol.connectionLost(reason), false);
    this.#owner.transportClosed(this, reason);
  }

  #callProducer(method: "pauseProducing" | "resumeProducing" | "stopProducing"): void {
    const producer = this.#producer;
    if (producer === null) return;
    try {
      producer[method]?.();
    } catch (error) {
      this.#fail(`producer.${method}`, error);
    }
  }

  #invoke(callback: string, fn: () => unknown, abortOnFailure = true): void {
    callGuarded(fn, (e) => (abortOnFailure ? this.#fail(callback, e) : this.#log(callback, e)));
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
    if (this.#is(F_DISCONNECTED)) return;
    const state = this.#state();
    state.failure ??= error;
    this.abortConnection();
  }
}

function describePeer(a: Address): string {
  return a.type === "UNIX" ? `unix:${a.path ?? "?"}` : `${a.host}:${a.port}`;
}
