import {
  type Address,
  type ClientFactoryLike,
  type ConnectTCPOptions,
  type ConnectUNIXOptions,
  type DelayedCall,
  type FactoryLike,
  formatAddress,
  InvalidArgumentError,
  type ListenTCPOptions,
  type ListenUNIXOptions,
  type LogEvent,
  type Logger,
  type ProtocolLike,
  ReactorAlreadyRunning,
  type ReactorLike,
  ReactorNotRunning,
  type ReactorResource,
  type ReactorState,
  type SystemEventPhase,
  type SystemEventTrigger,
  SystemEventTriggers,
  type ThreadJob,
  type Transport,
  type TriggerId,
  tcpAddress,
  unixAddress,
} from "@lr/reactor";
import { Clock, type RunUntilOptions } from "@lr/reactor/internal";
import type { MemoryConnection, MemoryTransport } from "../transport/memory-connection.js";
import {
  MemoryConnector,
  type MemoryConnectorOwner,
  type MemoryConnectSpec,
} from "./memory-connector.js";
import { MemoryListeningPort, type MemoryPortOwner, type MemoryPortSpec } from "./memory-port.js";
import { MemoryThreadJob } from "./memory-thread-job.js";

/**
 * The in-memory network a memory reactor is attached to, as the reactor sees it: `MemoryNetwork`
 * implements it (declared here, not imported, so the reactor and the network modules do not import
 * each other).
 */
export interface AttachedNetwork {
  /** The shared virtual time. */
  readonly clock: Clock;
  /** Virtual delay of each hop, ms. */
  readonly latencyMs: number;
  /** The reactors attached to the network. */
  readonly reactors: readonly MemoryReactor[];
  /** Open connections on the network. */
  readonly connections: readonly MemoryConnection[];
  /** Creates a {@link MemoryReactorClock} attached to the network (sharing its clock). */
  createReactor(options?: Omit<MemoryReactorOptions, "network" | "clock">): MemoryReactorClock;
  /** Moves everything pending on every connection now, until quiet (without advancing time). */
  flush(): void;
  /** Advances the shared clock. */
  advance(ms: number): void;
  /** Drives the shared clock until `promise` settles. */
  runUntil<T>(promise: PromiseLike<T>, options?: RunUntilOptions): Promise<T>;
  /** @internal Attaches a reactor (it must use the network's clock). */
  attach(reactor: MemoryReactor): void;
  /** @internal Binds a port; throws `CannotListenError` when the address is taken. */
  bind(reactor: MemoryReactor, port: MemoryListeningPort): Address;
  /** @internal Releases a port's address. */
  unbind(port: MemoryListeningPort): void;
  /** @internal A connector of `reactor` started an attempt. */
  connect(reactor: MemoryReactor, connector: MemoryConnector): void;
}

/** Options of {@link MemoryReactor} and {@link MemoryReactorClock}. */
export interface MemoryReactorOptions {
  /** The time source (default: the network's clock if `network` is given, else a new {@link Clock}). */
  clock?: Clock;
  /** Attach to this in-memory network: `listenTCP`/`connectTCP` then reach other reactors on it. */
  network?: AttachedNetwork;
  /** Also send log events here (they are always kept in `loggedEvents`). */
  logger?: Logger;
  /** Bound on the wait for Promises of `before` triggers, ms of REAL time (default 30000, as the real reactor). */
  triggerTimeoutMs?: number;
  /** Called with each thread job when it starts running (see {@link MemoryReactor.onThreadJob}). */
  onThreadJob?: (job: MemoryThreadJob) => void;
}

/** A recorded `listenTCP` call. */
export interface TCPServerRecord {
  readonly port: number;
  readonly factory: FactoryLike;
  readonly host: string | undefined;
  readonly backlog: number;
  /** The fake port that was returned. */
  readonly listeningPort: MemoryListeningPort;
}

/** A recorded `connectTCP` call. */
export interface TCPClientRecord {
  readonly host: string;
  readonly port: number;
  readonly factory: ClientFactoryLike;
  readonly timeoutMs: number;
  readonly bindAddress: string | undefined;
  /** The fake connector that was returned. */
  readonly connector: MemoryConnector;
}

/** A recorded `listenUNIX` call. */
export interface UNIXServerRecord {
  readonly path: string;
  readonly factory: FactoryLike;
  readonly backlog: number;
  /** The fake port that was returned. */
  readonly listeningPort: MemoryListeningPort;
}

/** A recorded `connectUNIX` call. */
export interface UNIXClientRecord {
  readonly path: string;
  readonly factory: ClientFactoryLike;
  readonly timeoutMs: number;
  /** The fake connector that was returned. */
  readonly connector: MemoryConnector;
}

interface WhenRunning extends TriggerId {
  fn?: () => unknown;
}

/**
 * A reactor that never touches the network or threads (Twisted's `MemoryReactor`), implementing the
 * whole {@link ReactorLike} with the real reactor's life cycle: `run()`/`stop()`/`run()` again, the
 * same states and errors (`ReactorAlreadyRunning`, `ReactorNotRunning`), one-shot `callWhenRunning`,
 * persistent system event triggers (the reactor's own `SystemEventTriggers`).
 *
 * - `listenTCP`/`connectTCP`/`listenUNIX`/`connectUNIX` are recorded in `tcpServers`, `tcpClients`,
 *   `unixServers`, `unixClients`. Without a `MemoryNetwork`, a connection attempt waits for the test
 *   to call `connector.succeed()` or `connector.fail()`; on a network it completes by itself.
 * - `deferToThread`/`runInThread` are recorded in `threadJobs`; the test settles them.
 * - Time is a {@link Clock} (`reactor.clock`): nothing happens until it is advanced. Unlike the real
 *   reactor, advancing runs due calls even while the reactor is stopped (Twisted's `Clock` rule), so
 *   timer logic can be tested without `run()`.
 * - `stop()` never uses real timers: the shutdown starts on a microtask, and `await reactor.stop()`
 *   resolves as soon as every trigger has run (open connections are flushed and closed at once).
 *   Pending delayed calls of this reactor are cancelled, pending thread jobs rejected.
 *
 * @example
 * ```ts
 * const reactor = new MemoryReactor();
 * const port = reactor.listenTCP(9000, factory);
 * expect(reactor.tcpServers[0]?.factory).toBe(factory);
 * const stopped = reactor.run();
 * await reactor.stop(); // or: await stopped after a stop() elsewhere
 * ```
 */
export class MemoryReactor implements ReactorLike {
  /** The virtual time source. */
  readonly clock: Clock;
  /** The network this reactor is attached to, if any. */
  readonly network: AttachedNetwork | null;
  /** Where caught errors are reported (records into `loggedEvents`, and forwards to the `logger` option). */
  readonly logger: Logger;
  /** Every log event emitted by this reactor (callback failures, refused listens...). */
  readonly loggedEvents: LogEvent[] = [];
  /** Called with each thread job when it starts running: settle it here, e.g. `job.completeAfter(5000, result)`. */
  onThreadJob: ((job: MemoryThreadJob) => void) | null;
  /** Recorded `listenTCP` calls. */
  readonly tcpServers: TCPServerRecord[] = [];
  /** Recorded `connectTCP` calls. */
  readonly tcpClients: TCPClientRecord[] = [];
  /** Recorded `listenUNIX` calls. */
  readonly unixServers: UNIXServerRecord[] = [];
  /** Recorded `connectUNIX` calls. */
  readonly unixClients: UNIXClientRecord[] = [];
  /** Recorded thread jobs, in submission order. */
  readonly threadJobs: MemoryThreadJob[] = [];
  /** How many times `run()` reached the running state. */
  runs = 0;
  readonly #triggerTimeoutMs: number;
  readonly #triggers = new SystemEventTriggers();
  #state: ReactorState = "stopped";
  #running = false;
  #stopRequested = false;
  #done: { promise: Promise<void>; resolve: () => void } | null = null;
  #whenRunning: WhenRunning[] = [];
  #calls = new Set<DelayedCall>();
  readonly #ports = new Set<MemoryListeningPort>();
  readonly #connectors = new Set<MemoryConnector>();
  readonly #deferredConnectors = new Set<MemoryConnector>();
  readonly #transports = new Set<MemoryTransport>();
  #queuedJobs: MemoryThreadJob[] = [];
  readonly #runningJobs = new Set<MemoryThreadJob>();
  #acceptingJobs = false;
  #nextPort = 40000;

  constructor(options: MemoryReactorOptions = {}) {
    if (options.clock && options.network && options.clock !== options.network.clock) {
      throw new InvalidArgumentError("A reactor on a MemoryNetwork must use the network's clock.");
    }
    this.network = options.network ?? null;
    this.clock = options.clock ?? options.network?.clock ?? new Clock();
    this.#triggerTimeoutMs = options.triggerTimeoutMs ?? 30_000;
    this.onThreadJob = options.onThreadJob ?? null;
    const forward = options.logger;
    this.logger = {
      emit: (event) => {
        this.loggedEvents.push(event);
        forward?.emit(event);
      },
    };
    this.network?.attach(this);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Current lifecycle state. */
  get state(): ReactorState {
    return this.#state;
  }

  /** `true` from the `during startup` phase until the `during shutdown` phase. */
  get running(): boolean {
    return this.#running;
  }

  /** Starts the reactor; resolves once it has stopped. Rejects with `ReactorAlreadyRunning` unless stopped. */
  async run(): Promise<void> {
    if (this.#state !== "stopped") throw new ReactorAlreadyRunning();
    this.#state = "starting";
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.#done = { promise, resolve };
    await this.#triggers.fire(
      "startup",
      this.#fireOptions(() => this.#startUp()),
    );
    const whenRunning = this.#whenRunning;
    this.#whenRunning = [];
    for (const id of whenRunning) {
      try {
        this.#triggers.remove(id);
      } catch {
        continue; // removed meanwhile
      }
      this.#guard("callWhenRunning callback", () => id.fn?.());
    }
    if (this.#stopRequested && (this.#state as ReactorState) === "running") {
      this.#stopRequested = false;
      this.#beginShutdown();
    }
    return promise;
  }

  /** Begins an orderly shutdown. Throws `ReactorNotRunning` synchronously if stopped or already stopping. */
  stop(): Promise<void> {
    const done = this.#done;
    if (!done || this.#state === "stopped" || this.#state === "stopping" || this.#stopRequested)
      throw new ReactorNotRunning();
    if (this.#state === "starting") {
      this.#stopRequested = true;
      return done.promise;
    }
    this.#beginShutdown();
    return done.promise;
  }

  /** Calls `fn` now if running, else once right after the next startup (returns a removable id). */
  callWhenRunning(fn: () => unknown): TriggerId | undefined {
    if (this.#running) {
      this.#guard("callWhenRunning callback", fn);
      return undefined;
    }
    const id: WhenRunning = this.#triggers.add("after", "lr.whenRunning", () => {});
    id.fn = fn;
    this.#whenRunning.push(id);
    return id;
  }

  /** Registers a persistent system event trigger. Throws `InvalidPhaseError` for a bad phase. */
  addSystemEventTrigger(phase: SystemEventPhase, event: string, fn: SystemEventTrigger): TriggerId {
    return this.#triggers.add(phase, event, fn);
  }

  /** Removes a trigger. Throws `TriggerNotFoundError` for an unknown id. */
  removeSystemEventTrigger(id: TriggerId): void {
    this.#triggers.remove(id);
    const i = this.#whenRunning.indexOf(id);
    if (i >= 0) this.#whenRunning.splice(i, 1);
  }

  /** Fires a (custom) system event: before, during, after. */
  fireSystemEvent(event: string): Promise<void> {
    return this.#triggers.fire(event, this.#fireOptions());
  }

  #fireOptions(during?: () => void) {
    return {
      ...(during ? { during } : {}),
      beforeTimeoutMs: this.#triggerTimeoutMs,
      onError: (error: unknown, event: string, phase: SystemEventPhase) =>
        this.logger.emit({
          level: "error",
          message: `Unhandled error in a "${phase} ${event}" system event trigger`,
          error,
          context: { event, phase },
        }),
      onTimeout: (event: string, pending: number) =>
        this.logger.emit({
          level: "warn",
          message: `${pending} "before ${event}" trigger(s) did not settle within ${this.#triggerTimeoutMs} ms; going on`,
          context: { event, pending },
        }),
    };
  }

  #startUp(): void {
    this.#running = true;
    this.#state = "running";
    this.#acceptingJobs = true;
    this.runs++;
    for (const port of [...this.#ports]) port.start();
    const deferred = [...this.#deferredConnectors];
    this.#deferredConnectors.clear();
    for (const connector of deferred) connector.startDeferred();
    const jobs = this.#queuedJobs;
    this.#queuedJobs = [];
    for (const job of jobs) this.#startJob(job);
  }

  #beginShutdown(): void {
    this.#state = "stopping";
    // As on the real reactor, the shutdown starts later (here: a microtask, no real timer), so a stop()
    // from inside a callback never tears down the connection whose callback is on the stack.
    queueMicrotask(() => {
      void this.#shutDown();
    });
  }

  async #shutDown(): Promise<void> {
    try {
      await this.#triggers.fire(
        "shutdown",
        this.#fireOptions(() => this.#tearDown()),
      );
    } catch (error) {
      this.logger.emit({ level: "error", message: "Unexpected error during shutdown", error });
    }
    for (const call of this.#calls) if (call.active()) call.cancel();
    this.#calls.clear();
    this.#state = "stopped";
    const done = this.#done;
    this.#done = null;
    done?.resolve();
  }

  #tearDown(): void {
    this.#running = false;
    this.#acceptingJobs = false;
    for (const port of [...this.#ports]) void port.stopListening();
    for (const connector of [...this.#connectors]) {
      if (connector.state === "connecting") connector.stopConnecting();
    }
    // Flush-then-close, at once: memory connections need no time to drain.
    for (const transport of [...this.#transports]) {
      transport.loseConnection();
      try {
        transport.connection.flush();
      } catch (error) {
        this.logger.emit({
          level: "error",
          message: "Unhandled error while closing a connection at shutdown",
          error,
        });
      }
    }
    const jobs = [...this.#queuedJobs, ...this.#runningJobs];
    this.#queuedJobs = [];
    for (const job of jobs) job.cancel("The thread job was cancelled because the reactor stopped.");
    for (const connector of [...this.#deferredConnectors]) {
      this.#deferredConnectors.delete(connector);
      if (connector.state === "connecting") connector.stopConnecting();
    }
  }

  // ---------------------------------------------------------------- time

  /** Current virtual time, ms. */
  now(): number {
    return this.clock.now();
  }

  /** Current virtual time, seconds. */
  seconds(): number {
    return this.clock.seconds();
  }

  /** Schedules `fn(...args)` on the clock; the call belongs to this reactor (cancelled when it stops). */
  callLater<A extends unknown[]>(
    delayMs: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): DelayedCall {
    const call = this.clock.callLater(delayMs, fn, ...args);
    if (this.#calls.size >= 256) this.#pruneCalls();
    this.#calls.add(call);
    return call;
  }

  /** This reactor's pending calls (not those of other reactors sharing the clock). */
  getDelayedCalls(): DelayedCall[] {
    this.#pruneCalls();
    return [...this.#calls];
  }

  #pruneCalls(): void {
    for (const call of this.#calls) if (!call.active()) this.#calls.delete(call);
  }

  // ---------------------------------------------------------------- TCP / UNIX

  /** Records the call and returns a fake port (bound when the reactor runs). Throws `InvalidArgumentError` for a bad port. */
  listenTCP(
    port: number,
    factory: FactoryLike,
    options: ListenTCPOptions = {},
  ): MemoryListeningPort {
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new InvalidArgumentError(
        `Invalid TCP port ${String(port)}: expected an integer from 0 to 65535.`,
      );
    const spec: MemoryPortSpec = {
      type: "TCP",
      port,
      host: options.host || undefined,
      backlog: options.backlog ?? 50,
    };
    const listeningPort = this.#addPort(spec, factory);
    this.tcpServers.push({ port, factory, host: spec.host, backlog: spec.backlog, listeningPort });
    return listeningPort;
  }

  /** Records the call and returns a fake port. Throws `InvalidArgumentError` for an empty path. */
  listenUNIX(
    path: string,
    factory: FactoryLike,
    options: ListenUNIXOptions = {},
  ): MemoryListeningPort {
    if (typeof path !== "string" || path.length === 0)
      throw new InvalidArgumentError("listenUNIX needs a socket path.");
    const spec: MemoryPortSpec = { type: "UNIX", path, backlog: options.backlog ?? 50 };
    const listeningPort = this.#addPort(spec, factory);
    this.unixServers.push({ path, factory, backlog: spec.backlog, listeningPort });
    return listeningPort;
  }

  /** Records the call and returns a fake connector (attempting when the reactor runs). Throws `InvalidArgumentError` for a bad port. */
  connectTCP(
    host: string,
    port: number,
    factory: ClientFactoryLike,
    options: ConnectTCPOptions = {},
  ): MemoryConnector {
    if (!Number.isInteger(port) || port <= 0 || port > 65_535)
      throw new InvalidArgumentError(
        `Invalid TCP port ${String(port)}: expected an integer from 1 to 65535.`,
      );
    const spec: MemoryConnectSpec = {
      type: "TCP",
      host,
      port,
      timeoutMs: options.timeoutMs ?? 30_000,
      bindAddress: options.bindAddress,
    };
    const connector = new MemoryConnector(spec, factory, this.#connectorOwner);
    this.tcpClients.push({
      host,
      port,
      factory,
      timeoutMs: spec.timeoutMs,
      bindAddress: spec.bindAddress,
      connector,
    });
    this.#connectors.add(connector);
    connector.connect();
    return connector;
  }

  /** Records the call and returns a fake connector. */
  connectUNIX(
    path: string,
    factory: ClientFactoryLike,
    options: ConnectUNIXOptions = {},
  ): MemoryConnector {
    const spec: MemoryConnectSpec = { type: "UNIX", path, timeoutMs: options.timeoutMs ?? 30_000 };
    const connector = new MemoryConnector(spec, factory, this.#connectorOwner);
    this.unixClients.push({ path, factory, timeoutMs: spec.timeoutMs, connector });
    this.#connectors.add(connector);
    connector.connect();
    return connector;
  }

  #addPort(spec: MemoryPortSpec, factory: FactoryLike): MemoryListeningPort {
    const port = new MemoryListeningPort(spec, factory, this.#portOwner);
    this.#ports.add(port);
    if (this.#running) port.start();
    return port;
  }

  readonly #portOwner: MemoryPortOwner = {
    bind: (port) => {
      if (this.network) return this.network.bind(this, port);
      const s = port.spec;
      return s.type === "TCP"
        ? tcpAddress(s.host ?? "0.0.0.0", s.port === 0 ? this.#nextPort++ : s.port)
        : unixAddress(s.path);
    },
    unbind: (port) => this.network?.unbind(port),
    portClosed: (port) => {
      this.#ports.delete(port);
    },
    report: (message, error) => this.logger.emit({ level: "error", message, error }),
  };

  readonly #connectorOwner: MemoryConnectorOwner = {
    clock: this as ReactorLike,
    canConnect: () => this.#running,
    deferConnect: (connector) => {
      this.#connectors.add(connector);
      this.#deferredConnectors.add(connector);
    },
    attempt: (connector) => {
      this.#connectors.add(connector);
      this.network?.connect(this, connector);
    },
    adopt: (transport, onClosed) => this.adoptTransport(transport, onClosed),
    connectorIdle: (connector) => {
      this.#connectors.delete(connector);
      this.#deferredConnectors.delete(connector);
    },
    report: (message, error) => this.logger.emit({ level: "error", message, error }),
  };

  /**
   * @internal Accepts a connection on `port` (from the network): builds the server protocol, or
   * returns `null` when the factory refuses (or the reactor is not running).
   */
  acceptProtocol(port: MemoryListeningPort, peer: Address): ProtocolLike | null {
    if (!this.#running || port.state !== "listening") return null;
    try {
      return port.factory.buildProtocol(peer);
    } catch (error) {
      this.logger.emit({
        level: "error",
        message: `Unhandled error in ${port.factory.constructor.name}.buildProtocol`,
        error,
      });
      return null;
    }
  }

  /** @internal Tracks a connection end owned by this reactor until it closes. */
  adoptTransport(transport: MemoryTransport, onClosed?: (reason: Error) => void): void {
    this.#transports.add(transport);
    transport.onClosed = (t, reason) => {
      this.#transports.delete(t);
      onClosed?.(reason);
    };
  }

  // ---------------------------------------------------------------- threads

  /** Records a thread job (see {@link MemoryReactor.threadJobs}); the Promise settles as the test decides. */
  deferToThread<T = unknown>(
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): Promise<T> {
    return this.runInThread<T>({ module, exportName, args });
  }

  /** Records a thread job; honours `signal` (rejects with `JobCancelledError` when it fires). */
  runInThread<T = unknown>(job: ThreadJob): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const record = new MemoryThreadJob(job, this.clock, (ok, value) => {
        this.#runningJobs.delete(record);
        const q = this.#queuedJobs.indexOf(record);
        if (q >= 0) this.#queuedJobs.splice(q, 1);
        if (ok) resolve(value as T);
        else reject(value);
      });
      this.threadJobs.push(record);
      const signal = job.signal;
      if (signal?.aborted) {
        record.cancel("The thread job was cancelled before it started.");
        return;
      }
      signal?.addEventListener(
        "abort",
        () => record.cancel("The thread job was cancelled by its AbortSignal."),
        { once: true },
      );
      if (this.#acceptingJobs) this.#startJob(record);
      else this.#queuedJobs.push(record);
    });
  }

  #startJob(job: MemoryThreadJob): void {
    this.#runningJobs.add(job);
    job.start();
    if (job.state === "running" && this.onThreadJob) {
      const hook = this.onThreadJob;
      this.#guard("onThreadJob", () => hook(job));
    }
  }

  // ---------------------------------------------------------------- introspection

  /** Listening ports (pending or listening). */
  getListeningPorts(): MemoryListeningPort[] {
    return [...this.#ports];
  }

  /** Open connections (server and client side). */
  getConnections(): Transport[] {
    return [...this.#transports];
  }

  /** Everything this reactor owns right now, in the real reactor's format (the dirty-reactor check uses it). */
  getResources(): ReactorResource[] {
    const out: ReactorResource[] = [];
    for (const p of this.#ports)
      out.push({ kind: "listener", description: `${p.state} port ${p.describe()}` });
    for (const t of this.#transports)
      out.push({
        kind: "connection",
        description: `${t.kind} connection to ${formatAddress(t.getPeer())}`,
      });
    for (const c of this.#connectors)
      if (c.state === "connecting")
        out.push({ kind: "connector", description: `connecting to ${c.describe()}` });
    for (const d of this.getDelayedCalls())
      out.push({ kind: "delayed-call", description: String(d) });
    const jobs = this.#runningJobs.size + this.#queuedJobs.length;
    if (jobs > 0) out.push({ kind: "thread-job", description: `${jobs} thread job(s) pending` });
    return out;
  }

  #guard(where: string, fn: () => unknown): void {
    const report = (error: unknown) =>
      this.logger.emit({
        level: "error",
        message: `Unhandled error in ${where}`,
        error,
        context: { callback: where },
      });
    try {
      const r = fn();
      if (
        r !== null &&
        typeof r === "object" &&
        typeof (r as PromiseLike<unknown>).then === "function"
      )
        (r as PromiseLike<unknown>).then(undefined, report);
    } catch (error) {
      report(error);
    }
  }
}

/**
 * A {@link MemoryReactor} whose time is driven by the test (Twisted's `MemoryReactorClock`):
 * `advance`, `pump`, `advanceToNext`, `runUntilIdle` and `runUntil` act on its {@link Clock} (shared
 * with every reactor on the same `MemoryNetwork`).
 *
 * @example
 * ```ts
 * const reactor = new MemoryReactorClock();
 * const stopped = reactor.run();
 * reactor.callLater(5000, () => reactor.stop());
 * await reactor.runUntil(stopped); // reactor.now() === 5000, in microseconds of real time
 * ```
 */
export class MemoryReactorClock extends MemoryReactor {
  /** Moves virtual time forward and runs what is due (see {@link Clock.advance}). */
  advance(ms: number): void {
    this.clock.advance(ms);
  }

  /** Advances by each amount in turn. */
  pump(timings: Iterable<number>): void {
    this.clock.pump(timings);
  }

  /** Advances to the next pending call; `false` if none. */
  advanceToNext(): boolean {
    return this.clock.advanceToNext();
  }

  /** Advances call by call until nothing is pending; returns the virtual ms that passed. */
  runUntilIdle(maxSteps?: number): number {
    return this.clock.runUntilIdle(maxSteps);
  }

  /** Steps virtual time, letting Promise continuations run between steps (see {@link Clock.advanceAsync}). */
  advanceAsync(ms: number): Promise<void> {
    return this.clock.advanceAsync(ms);
  }

  /** Drives virtual time until `promise` settles (see {@link Clock.runUntil}). */
  runUntil<T>(promise: PromiseLike<T>, options?: RunUntilOptions): Promise<T> {
    return this.clock.runUntil(promise, options);
  }
}
