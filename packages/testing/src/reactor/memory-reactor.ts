import {
  type Address,
  type ClientFactoryLike,
  type DelayedCall,
  type FactoryLike,
  InvalidArgumentError,
  type LogEvent,
  type Logger,
  type ProtocolLike,
  type ReactorLike,
  type ReactorResource,
  type ThreadJob,
  tcpAddress,
  unixAddress,
} from "@lr/reactor";
import {
  type BaseConnectSpec,
  type BasePortSpec,
  Clock,
  ReactorBase,
  type RunUntilOptions,
} from "@lr/reactor/internal";
import type { MemoryConnection, MemoryTransport } from "../transport/memory-connection.js";
import { MemoryConnector, type MemoryConnectorOwner } from "./memory-connector.js";
import { MemoryListeningPort, type MemoryPortOwner } from "./memory-port.js";
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
export class MemoryReactor
  extends ReactorBase<MemoryListeningPort, MemoryConnector>
  implements ReactorLike
{
  /** The virtual time source. */
  readonly clock: Clock;
  /** The network this reactor is attached to, if any. */
  readonly network: AttachedNetwork | null;
  /** Every log event emitted by this reactor (callback failures, refused listens...). */
  readonly loggedEvents: LogEvent[];
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
  #calls = new Set<DelayedCall>();
  #queuedJobs: MemoryThreadJob[] = [];
  readonly #runningJobs = new Set<MemoryThreadJob>();
  #nextPort = 40000;

  constructor(options: MemoryReactorOptions = {}) {
    if (options.clock && options.network && options.clock !== options.network.clock) {
      throw new InvalidArgumentError("A reactor on a MemoryNetwork must use the network's clock.");
    }
    const loggedEvents: LogEvent[] = [];
    const forward = options.logger;
    super({
      logger: {
        emit: (event) => {
          loggedEvents.push(event);
          forward?.emit(event);
        },
      },
      triggerTimeoutMs: options.triggerTimeoutMs ?? 30_000,
    });
    this.loggedEvents = loggedEvents;
    this.network = options.network ?? null;
    this.clock = options.clock ?? options.network?.clock ?? new Clock();
    this.onThreadJob = options.onThreadJob ?? null;
    this.network?.attach(this);
  }

  // ---------------------------------------------------------------- back-end hooks

  protected override didStart(): void {
    this.runs++;
    const jobs = this.#queuedJobs;
    this.#queuedJobs = [];
    for (const job of jobs) this.#startJob(job);
  }

  protected override scheduleShutdown(shutDown: () => void): void {
    // As on the real reactor, the shutdown starts later (here: a microtask, no real timer), so a stop()
    // from inside a callback never tears down the connection whose callback is on the stack.
    queueMicrotask(shutDown);
  }

  /** Flush-then-close, at once: memory connections need no time to drain. */
  protected override closeConnections(transports: readonly MemoryTransport[]): undefined {
    for (const transport of transports) {
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
    return undefined;
  }

  protected override stopThreads(): undefined {
    const jobs = [...this.#queuedJobs, ...this.#runningJobs];
    this.#queuedJobs = [];
    for (const job of jobs) job.cancel("The thread job was cancelled because the reactor stopped.");
    return undefined;
  }

  protected override didStop(): void {
    for (const call of this.#calls) if (call.active()) call.cancel();
    this.#calls.clear();
  }

  protected override backEndResources(out: ReactorResource[]): void {
    const jobs = this.#runningJobs.size + this.#queuedJobs.length;
    if (jobs > 0) out.push({ kind: "thread-job", description: `${jobs} thread job(s) pending` });
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

  /** Records the port in `tcpServers`/`unixServers`; it binds when the reactor runs. */
  protected override createPort(spec: BasePortSpec, factory: FactoryLike): MemoryListeningPort {
    const listeningPort = new MemoryListeningPort(spec, factory, this.#portOwner);
    if (spec.type === "TCP")
      this.tcpServers.push({
        port: spec.port,
        factory,
        host: spec.host,
        backlog: spec.backlog,
        listeningPort,
      });
    else this.unixServers.push({ path: spec.path, factory, backlog: spec.backlog, listeningPort });
    return listeningPort;
  }

  /** Records the connector in `tcpClients`/`unixClients`; it attempts when the reactor runs. */
  protected override createConnector(
    spec: BaseConnectSpec,
    factory: ClientFactoryLike,
  ): MemoryConnector {
    const connector = new MemoryConnector(spec, factory, this.#connectorOwner);
    if (spec.type === "TCP")
      this.tcpClients.push({
        host: spec.host,
        port: spec.port,
        factory,
        timeoutMs: spec.timeoutMs,
        bindAddress: spec.bindAddress,
        connector,
      });
    else this.unixClients.push({ path: spec.path, factory, timeoutMs: spec.timeoutMs, connector });
    return connector;
  }

  readonly #portOwner: MemoryPortOwner = {
    ...this.portOwner,
    bind: (port) => {
      if (this.network) return this.network.bind(this, port);
      const s = port.spec;
      return s.type === "TCP"
        ? tcpAddress(s.host ?? "0.0.0.0", s.port === 0 ? this.#nextPort++ : s.port)
        : unixAddress(s.path);
    },
    unbind: (port) => this.network?.unbind(port),
  };

  readonly #connectorOwner: MemoryConnectorOwner = {
    ...this.connectorOwner,
    attempt: (connector) => this.network?.connect(this, connector),
    adopt: (transport, onClosed) => this.adoptTransport(transport, onClosed),
  };

  /**
   * @internal Accepts a connection on `port` (from the network): builds the server protocol, or
   * returns `null` when the factory refuses (or the reactor is not running).
   */
  acceptProtocol(port: MemoryListeningPort, peer: Address): ProtocolLike | null {
    if (!this.running || port.state !== "listening") return null;
    try {
      return port.factory.buildProtocol(peer);
    } catch (error) {
      this.reportCallback(`${port.factory.constructor.name}.buildProtocol`, error);
      return null;
    }
  }

  /** @internal Tracks a connection end owned by this reactor until it closes. */
  adoptTransport(transport: MemoryTransport, onClosed?: (reason: Error) => void): void {
    this.trackTransport(transport);
    transport.onClosed = (t, reason) => {
      this.forgetTransport(t);
      onClosed?.(reason);
    };
  }

  // ---------------------------------------------------------------- threads

  /**
   * Records a thread job (see {@link MemoryReactor.threadJobs}; `deferToThread` comes here too); the
   * Promise settles as the test decides. Honours `signal` (rejects with `JobCancelledError` when it fires).
   */
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
      if (this.running) this.#startJob(record);
      else this.#queuedJobs.push(record);
    });
  }

  #startJob(job: MemoryThreadJob): void {
    this.#runningJobs.add(job);
    job.start();
    if (job.state === "running" && this.onThreadJob) {
      const hook = this.onThreadJob;
      this.guard("onThreadJob", () => hook(job));
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
