/**
 * The reactor's surface, split the way Twisted splits it (`IReactorCore`, `IReactorTime`,
 * `IReactorTCP`...). Application code written against these interfaces runs unchanged on the real
 * {@link Reactor} and on `@lr/testing`'s `MemoryReactor` / `Clock`.
 */
import type { ConnectionOptions, TlsOptions } from "node:tls";
import type { TransferListItem } from "node:worker_threads";
import type { Address } from "./address.js";

/** Lifecycle state of a reactor. */
export type ReactorState = "stopped" | "starting" | "running" | "stopping";

/** Phase of a system event: triggers run phase by phase. */
export type SystemEventPhase = "before" | "during" | "after";

/** A system event trigger: may return a Promise (awaited only in the `before` phase). */
export type SystemEventTrigger = () => unknown;

/** Opaque handle returned by `addSystemEventTrigger`, used to remove the trigger. */
export interface TriggerId {
  readonly event: string;
  readonly phase: SystemEventPhase;
}

/** Lifecycle: run, stop, run again. Twisted's `IReactorCore`, restartable. */
export interface ReactorCore {
  /** Current lifecycle state. */
  readonly state: ReactorState;
  /** `true` from the `during startup` phase until the `during shutdown` phase. */
  readonly running: boolean;
  /**
   * Starts the reactor; resolves once it has fully stopped again. Rejects with
   * `ReactorAlreadyRunning` (`ERR_REACTOR_ALREADY_RUNNING`) unless the reactor is stopped.
   */
  run(): Promise<void>;
  /**
   * Begins an orderly shutdown; the returned Promise resolves when the reactor has stopped.
   * Throws `ReactorNotRunning` (`ERR_REACTOR_NOT_RUNNING`) synchronously if the reactor is stopped or
   * already stopping.
   */
  stop(): Promise<void>;
  /**
   * Calls `fn` now if the reactor is running; otherwise once, right after the next startup.
   * Returns a trigger id in the latter case (removable), `undefined` in the former.
   */
  callWhenRunning(fn: () => unknown): TriggerId | undefined;
  /** Registers a trigger for a system event (`startup`, `shutdown` or any custom name). It stays registered across runs until removed. */
  addSystemEventTrigger(phase: SystemEventPhase, event: string, fn: SystemEventTrigger): TriggerId;
  /** Removes a trigger. Throws `TriggerNotFoundError` (`ERR_TRIGGER_NOT_FOUND`) for an unknown id. */
  removeSystemEventTrigger(id: TriggerId): void;
  /** Fires a (custom) system event: before, during, after; resolves when all phases have run. */
  fireSystemEvent(event: string): Promise<void>;
}

/** A call scheduled with `callLater`. Times are in milliseconds on the scheduler's clock. */
export interface DelayedCall {
  /** The time (ms, on the owner's `now()` clock) at which the call is due. */
  getTime(): number;
  /** Cancels the call. Throws `AlreadyCalled` / `AlreadyCancelled` if it already ran or was cancelled. */
  cancel(): void;
  /** Reschedules the call to run `delayMs` from now. Throws like {@link DelayedCall.cancel}. */
  reset(delayMs: number): void;
  /** Postpones the call by `delayMs` more. Throws like {@link DelayedCall.cancel}. */
  delay(delayMs: number): void;
  /** `true` while the call is still pending (neither run nor cancelled). */
  active(): boolean;
}

/** Time: Twisted's `IReactorTime`, with milliseconds. */
export interface ReactorTime {
  /** Current time in milliseconds on a monotonic clock (the clock `DelayedCall.getTime()` uses). */
  now(): number;
  /** Current time in seconds on the same monotonic clock (Twisted's `seconds()`). */
  seconds(): number;
  /** Schedules `fn(...args)` to run `delayMs` milliseconds from now. */
  callLater<A extends unknown[]>(
    delayMs: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): DelayedCall;
  /** Every call still pending, in no particular order. */
  getDelayedCalls(): DelayedCall[];
}

/** A stream connection as a protocol sees it (Twisted's `ITransport` + `ITCPTransport`). */
export interface Transport {
  /** Queues bytes (or a UTF-8 string) for sending. Dropped once the connection is closing. */
  write(data: string | Uint8Array): void;
  /** Writes several chunks in order. */
  writeSequence(data: Iterable<string | Uint8Array>): void;
  /** Closes the connection after every queued byte has been sent; stops reading. */
  loseConnection(): void;
  /** Closes the connection at once, discarding queued bytes (TCP RST where possible). */
  abortConnection(): void;
  /** The remote address. */
  getPeer(): Address;
  /** The local address. */
  getHost(): Address;
  /** `true` once `loseConnection()`/`abortConnection()` was called or the connection closed. */
  readonly disconnecting: boolean;
  /** `true` once the connection is fully closed. */
  readonly disconnected: boolean;
  /** Stops delivering received data until {@link Transport.resumeProducing}. */
  pauseProducing(): void;
  /** Resumes delivering received data. */
  resumeProducing(): void;
  /** Stops reading for good and closes the connection. */
  stopProducing(): void;
  /**
   * Registers a producer that writes to this transport. A streaming (push) producer is paused when
   * the outgoing buffer is full and resumed when it drains; a pull producer gets `resumeProducing()`
   * each time more data is wanted.
   */
  registerProducer(producer: Producer, streaming: boolean): void;
  /** Unregisters the current producer. */
  unregisterProducer(): void;
  /** Closes the write side only (half-close); reading goes on. */
  loseWriteConnection(): void;
  /** Enables or disables Nagle's algorithm (TCP only; a no-op elsewhere). */
  setTcpNoDelay(enabled: boolean): void;
  /** Enables or disables TCP keep-alive (TCP only; a no-op elsewhere). */
  setTcpKeepAlive(enabled: boolean, initialDelayMs?: number): void;
}

/** Something that produces data into a transport (Twisted's `IProducer`/`IPushProducer`). */
export interface Producer {
  /** Asked to stop producing for now (streaming producers only). */
  pauseProducing?(): void;
  /** Asked to produce (more) data. */
  resumeProducing(): void;
  /** Asked to stop for good (the connection is closing). */
  stopProducing(): void;
}

/** The callbacks a connection drives (Twisted's `IProtocol`). See the `Protocol` base class. */
export interface ProtocolLike {
  /** Attaches the transport and calls `connectionMade`; may return what it returned (a Promise is watched for rejection). */
  makeConnection(transport: Transport): unknown;
  /** Bytes arrived (a chunk of any size; never a frame boundary guarantee). */
  dataReceived(data: Uint8Array): unknown;
  /** The connection closed; called exactly once. A clean close is a `ConnectionDone`. */
  connectionLost(reason: Error): unknown;
  /** Optional half-close opt-in: the peer closed its write side; we may still write. */
  readConnectionLost?(): unknown;
  /** Optional half-close opt-in: our write side was closed with `loseWriteConnection()`. */
  writeConnectionLost?(): unknown;
}

/** Builds protocols for connections (Twisted's `IProtocolFactory`). */
export interface FactoryLike {
  /** Returns a protocol for a new connection from/to `addr`, or `null` to refuse it. */
  buildProtocol(addr: Address): ProtocolLike | null;
  /** Called when a port or connector starts using the factory (reference counted). */
  doStart(): void;
  /** Called when a port or connector stops using the factory (reference counted). */
  doStop(): void;
}

/** A factory for client connections (Twisted's `ClientFactory`). */
export interface ClientFactoryLike extends FactoryLike {
  /** A connection attempt is starting. */
  startedConnecting?(connector: Connector): void;
  /** The attempt failed (refused, timed out, cancelled...). */
  clientConnectionFailed?(connector: Connector, reason: Error): void;
  /** An established connection was lost. */
  clientConnectionLost?(connector: Connector, reason: Error): void;
}

/** A listening server port (Twisted's `IListeningPort`). */
export interface ListeningPort {
  /** The bound address. Throws `NotListeningError` before the port is bound. */
  getHost(): Address;
  /** Resolves with the bound address once listening; rejects with `CannotListenError` if binding fails. */
  whenListening(): Promise<Address>;
  /** Stops accepting connections (existing ones are untouched); resolves when closed. Idempotent. */
  stopListening(): Promise<void>;
}

/** A client connection in the making (Twisted's `IConnector`). */
export interface Connector {
  /** Current state. */
  readonly state: "disconnected" | "connecting" | "connected";
  /** Starts (again) connecting; used to reconnect from the factory's callbacks. */
  connect(): void;
  /** Cancels a pending attempt, or closes an established connection. */
  disconnect(): void;
  /** Cancels a pending attempt (`clientConnectionFailed` gets a `ConnectingCancelledError`). Throws `NotConnectingError` otherwise. */
  stopConnecting(): void;
  /** Where this connector connects to. */
  getDestination(): Address;
  /** The time source of the reactor that owns this connector (used by reconnecting factories). */
  readonly clock?: ReactorTime;
}

/** Options of `listenTCP`. */
export interface ListenTCPOptions {
  /** Interface to bind; all interfaces when omitted (as in Twisted). */
  host?: string;
  /** Listen backlog (default 50). */
  backlog?: number;
}

/** Options of `connectTCP`. */
export interface ConnectTCPOptions {
  /** Give up connecting after this long (default 30000 ms). */
  timeoutMs?: number;
  /** Local address to bind before connecting. */
  bindAddress?: string;
}

/** Options of `connectUNIX`. */
export interface ConnectUNIXOptions {
  /** Give up connecting after this long (default 30000 ms). */
  timeoutMs?: number;
}

/** Options of `listenUNIX`. */
export interface ListenUNIXOptions {
  /** Listen backlog (default 50). */
  backlog?: number;
}

/** TCP: Twisted's `IReactorTCP`. */
export interface ReactorTCP {
  /** Listens on a TCP port (0 = pick a free one). Binds when the reactor runs (at once if it is running). */
  listenTCP(port: number, factory: FactoryLike, options?: ListenTCPOptions): ListeningPort;
  /** Connects to a TCP server. Starts when the reactor runs (at once if it is running). */
  connectTCP(
    host: string,
    port: number,
    factory: ClientFactoryLike,
    options?: ConnectTCPOptions,
  ): Connector;
}

/**
 * TLS over TCP: Twisted's `IReactorSSL`, on `node:tls`. Transports are the same as TCP ones (a
 * `TLSSocket` is a `net.Socket`); a server protocol is attached once the handshake completed, and a
 * client connection counts as established only after it (a certificate error fails the attempt).
 * Not part of {@link ReactorLike}, so test doubles need not implement it.
 */
export interface ReactorTLS {
  /** Listens for TLS connections on a TCP port; `tlsOptions` are `node:tls` server options (`key`, `cert`...). */
  listenTLS(
    port: number,
    factory: FactoryLike,
    tlsOptions: TlsOptions,
    options?: ListenTCPOptions,
  ): ListeningPort;
  /** Connects with TLS; `tlsOptions` are `node:tls` connect options (`ca`, `servername`, `rejectUnauthorized`...). */
  connectTLS(
    host: string,
    port: number,
    factory: ClientFactoryLike,
    tlsOptions: ConnectionOptions,
    options?: ConnectTCPOptions,
  ): Connector;
}

/** UNIX domain sockets: Twisted's `IReactorUNIX`. */
export interface ReactorUNIX {
  /** Listens on a UNIX socket path. */
  listenUNIX(path: string, factory: FactoryLike, options?: ListenUNIXOptions): ListeningPort;
  /** Connects to a UNIX socket path. */
  connectUNIX(path: string, factory: ClientFactoryLike, options?: ConnectUNIXOptions): Connector;
}

/** A unit of work for a worker thread: the named export of an ES module. */
export interface ThreadJob {
  /** Module URL or absolute path (a `file:` URL, or a path resolved from the current directory). */
  readonly module: string | URL;
  /** Name of the export to call (default `"default"`). */
  readonly exportName?: string;
  /** Structured-cloneable arguments. */
  readonly args?: readonly unknown[];
  /** Objects to transfer (not copy) to the worker, e.g. `ArrayBuffer`s among `args`. */
  readonly transferList?: readonly TransferListItem[];
  /** Cancels the job: its Promise rejects with `JobCancelledError`. */
  readonly signal?: AbortSignal;
}

/** Threads: Twisted's `IReactorThreads`, on `worker_threads`. */
export interface ReactorThreads {
  /** Runs `module`'s export `exportName` with `args` in the reactor's worker pool. */
  deferToThread<T = unknown>(
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): Promise<T>;
  /** Like `deferToThread`, with transferables and cancellation. */
  runInThread<T = unknown>(job: ThreadJob): Promise<T>;
}

/** Everything a reactor is; what application code should accept as "a reactor". */
export interface ReactorLike
  extends ReactorCore,
    ReactorTime,
    ReactorTCP,
    ReactorUNIX,
    ReactorThreads {}

// ---------------------------------------------------------------- endpoints

/** What endpoints need from a reactor: TCP and UNIX, and TLS for `ssl:`/`tls:` strings. */
export type EndpointReactor = ReactorTCP & ReactorUNIX & Partial<ReactorTLS>;

/** Something that can listen with a factory (Twisted's `IStreamServerEndpoint`). */
export interface StreamServerEndpoint {
  /**
   * Starts listening. Resolves with the port once bound (so, after the reactor runs); rejects with
   * `CannotListenError` (`ERR_CANNOT_LISTEN`) if binding fails.
   */
  listen(factory: FactoryLike): Promise<ListeningPort>;
}

/** Options of {@link StreamClientEndpoint.connect}. */
export interface EndpointConnectOptions {
  /** Cancels the attempt: rejects with `ConnectingCancelledError` (`ERR_CONNECTING_CANCELLED`). */
  readonly signal?: AbortSignal;
}

/** Something that can connect with a factory (Twisted's `IStreamClientEndpoint`). */
export interface StreamClientEndpoint {
  /**
   * Connects; resolves with the protocol `factory` built once it is connected (after its
   * `connectionMade`). Rejects with the failure: `ConnectionRefusedError`, `ConnectTimeoutError`,
   * `DNSLookupError`, `ConnectingCancelledError`, or a `ConnectError` (e.g. the factory refused).
   */
  connect(factory: FactoryLike, options?: EndpointConnectOptions): Promise<ProtocolLike>;
}

// ---------------------------------------------------------------- services

/** What a service is (Twisted's `IService`): something with a start and an (async) stop. */
export interface ServiceLike {
  /** Unique name among its parent's children, or `null`. */
  readonly name: string | null;
  /** `true` between `startService()` and `stopService()`. */
  readonly running: boolean;
  /** Starts the service (may be async). */
  startService(): void | Promise<void>;
  /** Stops the service (may be async: resolve once it is really stopped). */
  stopService(): void | Promise<void>;
}

// ---------------------------------------------------------------- introspection

/** One thing a reactor currently owns, as reported by {@link Reactor.getResources}. */
export interface ReactorResource {
  readonly kind:
    | "listener"
    | "connection"
    | "connector"
    | "delayed-call"
    | "thread-pool"
    | "thread-job";
  readonly description: string;
}
