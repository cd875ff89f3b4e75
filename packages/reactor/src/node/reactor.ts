import type { Socket } from "node:net";
import type { ConnectionOptions, TlsOptions } from "node:tls";
import { SystemEventTriggers } from "../base/system-events.js";
import { type Address, formatAddress, tcpAddress, unixAddress } from "../core/address.js";
import {
  InvalidArgumentError,
  JobCancelledError,
  ReactorAlreadyRunning,
  ReactorNotRunning,
} from "../core/errors.js";
import type {
  ClientFactoryLike,
  Connector,
  ConnectTCPOptions,
  ConnectUNIXOptions,
  DelayedCall,
  FactoryLike,
  ListeningPort,
  ListenTCPOptions,
  ListenUNIXOptions,
  ReactorLike,
  ReactorResource,
  ReactorState,
  ReactorTLS,
  SystemEventPhase,
  SystemEventTrigger,
  ThreadJob,
  Transport,
  TriggerId,
} from "../core/interfaces.js";
import { createStderrLogger, type Logger } from "../core/logger.js";
import { Scheduler } from "../time/scheduler.js";
import { SocketTransport } from "./socket-transport.js";
import { StreamConnector } from "./stream-connector.js";
import { StreamPort } from "./stream-port.js";
import { ThreadPool } from "./thread-pool.js";

/** Options of {@link createReactor}. */
export interface ReactorOptions {
  /** Where the reactor reports errors it caught (default: one line per event on stderr). */
  logger?: Logger;
  /** At stop, how long connections get to flush their pending writes before they are aborted (default 10000 ms). */
  shutdownTimeoutMs?: number;
  /** At stop, how long Promises returned by `before shutdown` triggers are awaited (default 30000 ms). */
  triggerTimeoutMs?: number;
  /** Size of the worker-thread pool used by `deferToThread` (default: the number of CPUs). */
  threadPoolSize?: number;
}

interface QueuedJob {
  readonly job: ThreadJob;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const MAX_TIMER_MS = 0x7fff_ffff;

/** Throws `InvalidArgumentError` unless `port` is an integer from `min` to 65535. */
function checkPort(port: number, min: 0 | 1): void {
  if (!Number.isInteger(port) || port < min || port > 65_535) {
    throw new InvalidArgumentError(
      `Invalid TCP port ${String(port)}: expected an integer from ${min} to 65535.`,
    );
  }
}

/** A pending `callWhenRunning` callback; the object is also its (removable) trigger id. */
interface WhenRunningEntry extends TriggerId {
  readonly fn: () => unknown;
}

/**
 * A restartable reactor: an event loop object in the style of Twisted's, that can be `run()`,
 * `stop()`ped and `run()` again any number of times, with several instances in one process.
 *
 * **What happens when.** `listenTCP`/`listenUNIX`, `connectTCP`/`connectUNIX`, `callLater` and
 * `deferToThread` may be called at any time. While the reactor is stopped they only record the
 * request; sockets are bound, connections started, timers armed and jobs submitted during the
 * `during startup` phase of the next `run()` (before user `during startup` triggers). While running,
 * they take effect at once (binding completes asynchronously: await `port.whenListening()`).
 *
 * **What a stop leaves.** `stop()` fires `before shutdown` triggers (awaiting their Promises, bounded
 * by `triggerTimeoutMs`), then, in `during shutdown`: stops every listening port, cancels connection
 * attempts, closes every connection after flushing its pending writes (aborting those still open
 * after `shutdownTimeoutMs`), cancels running and queued thread jobs and terminates the worker
 * threads; then user `during` and `after` triggers run, and every pending delayed call is cancelled.
 * When `stop()` resolves the reactor owns no socket, timer, handle or thread. Registered system event
 * triggers survive a stop (they fire again on the next run); everything else is gone.
 *
 * @example
 * ```ts
 * const reactor = createReactor();
 * for (let i = 0; i < 3; i++) {
 *   reactor.callLater(100, () => reactor.stop());
 *   await reactor.run();
 * }
 * ```
 */
export class Reactor implements ReactorLike, ReactorTLS {
  /** Where caught errors are reported. */
  readonly logger: Logger;
  readonly #shutdownTimeoutMs: number;
  readonly #triggerTimeoutMs: number;
  readonly #threadPoolSize: number | undefined;
  readonly #scheduler: Scheduler;
  readonly #triggers = new SystemEventTriggers();
  #state: ReactorState = "stopped";
  #running = false;
  #stopRequested = false;
  #done: { promise: Promise<void>; resolve: () => void } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #timerAt = Number.POSITIVE_INFINITY;
  #keepAlive: NodeJS.Timeout | null = null;
  #whenRunning: WhenRunningEntry[] = [];
  readonly #ports = new Set<StreamPort>();
  readonly #connectors = new Set<StreamConnector>();
  readonly #deferredConnectors = new Set<StreamConnector>();
  readonly #transports = new Set<SocketTransport>();
  #transportsEmpty: (() => void) | null = null;
  #pool: ThreadPool | null = null;
  #queuedJobs: QueuedJob[] = [];
  #jobsInFlight = 0;
  #acceptingJobs = false;

  constructor(options: ReactorOptions = {}) {
    this.logger = options.logger ?? createStderrLogger();
    this.#shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    this.#triggerTimeoutMs = options.triggerTimeoutMs ?? 30_000;
    this.#threadPoolSize = options.threadPoolSize;
    this.#scheduler = new Scheduler({
      now: () => performance.now(),
      onError: (error, call) =>
        this.logger.emit({
          level: "error",
          message: `Unhandled error in delayed call ${String(call)}`,
          error,
          context: { call: String(call) },
        }),
      onEarlier: (time) => {
        if (this.#state !== "stopped" && time < this.#timerAt) this.#arm();
      },
    });
  }

  // ---------------------------------------------------------------- lifecycle

  get state(): ReactorState {
    return this.#state;
  }

  get running(): boolean {
    return this.#running;
  }

  async run(): Promise<void> {
    if (this.#state !== "stopped") throw new ReactorAlreadyRunning();
    this.#state = "starting";
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.#done = { promise, resolve };
    // Like reactor.run() blocking: keep the process alive for as long as the reactor runs.
    this.#keepAlive = setInterval(() => {}, MAX_TIMER_MS);
    await this.#triggers.fire("startup", {
      during: () => this.#startUp(),
      beforeTimeoutMs: this.#triggerTimeoutMs,
      onError: (error, event, phase) => this.#reportTrigger(error, event, phase),
      onTimeout: (event, n) => this.#reportTriggerTimeout(event, n),
    });
    const whenRunning = this.#whenRunning;
    this.#whenRunning = [];
    for (const entry of whenRunning) this.#guard("callWhenRunning callback", entry.fn);
    if (this.#stopRequested && (this.#state as ReactorState) === "running") {
      this.#stopRequested = false;
      this.#beginShutdown();
    }
    return promise;
  }

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

  callWhenRunning(fn: () => unknown): TriggerId | undefined {
    if (this.#running) {
      this.#guard("callWhenRunning callback", fn);
      return undefined;
    }
    // One-shot, so kept apart from the persistent system event triggers; its id still removes it.
    const entry: WhenRunningEntry = { event: "startup", phase: "after", fn };
    this.#whenRunning.push(entry);
    return entry;
  }

  addSystemEventTrigger(phase: SystemEventPhase, event: string, fn: SystemEventTrigger): TriggerId {
    return this.#triggers.add(phase, event, fn);
  }

  removeSystemEventTrigger(id: TriggerId): void {
    const i = this.#whenRunning.indexOf(id as WhenRunningEntry);
    if (i >= 0) this.#whenRunning.splice(i, 1);
    else this.#triggers.remove(id);
  }

  fireSystemEvent(event: string): Promise<void> {
    return this.#triggers.fire(event, {
      beforeTimeoutMs: this.#triggerTimeoutMs,
      onError: (error, ev, phase) => this.#reportTrigger(error, ev, phase),
      onTimeout: (ev, n) => this.#reportTriggerTimeout(ev, n),
    });
  }

  #startUp(): void {
    this.#running = true;
    this.#state = "running";
    this.#acceptingJobs = true;
    for (const port of [...this.#ports]) port.startListening();
    const deferred = [...this.#deferredConnectors];
    this.#deferredConnectors.clear();
    for (const connector of deferred) connector.startDeferred();
    const jobs = this.#queuedJobs;
    this.#queuedJobs = [];
    for (const q of jobs) this.#submit(q);
    this.#arm();
  }

  #beginShutdown(): void {
    this.#state = "stopping";
    // Like Twisted, the shutdown starts on a later turn: a stop() from inside a callback never tears
    // down the connection whose callback is still on the stack.
    setImmediate(() => {
      void this.#shutDown();
    });
  }

  async #shutDown(): Promise<void> {
    try {
      await this.#triggers.fire("shutdown", {
        during: () => this.#tearDown(),
        beforeTimeoutMs: this.#triggerTimeoutMs,
        onError: (error, event, phase) => this.#reportTrigger(error, event, phase),
        onTimeout: (event, n) => this.#reportTriggerTimeout(event, n),
      });
    } catch (error) {
      this.logger.emit({ level: "error", message: "Unexpected error during shutdown", error });
    }
    this.#scheduler.cancelAll();
    this.#disarm();
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    this.#keepAlive = null;
    this.#state = "stopped";
    const done = this.#done;
    this.#done = null;
    done?.resolve();
  }

  async #tearDown(): Promise<void> {
    this.#running = false;
    this.#acceptingJobs = false;
    const ports = [...this.#ports];
    // Ports, attempts and connections close side by side (not one after the other): each of these
    // waits takes a few loop turns, and a run/stop cycle is dominated by such turns. Connections
    // accepted meanwhile are refused (#running is false).
    const portsStopped = Promise.all(ports.map((p) => p.stopListening()));
    for (const connector of [...this.#connectors]) {
      if (connector.state === "connecting") connector.stopConnecting();
    }
    await this.#closeTransports();
    await portsStopped;
    await this.#closePool();
    // Connectors a factory re-armed while we were closing (connect() with the reactor not running)
    // are cancelled once; a factory that insists again will connect on the next run.
    for (const connector of [...this.#deferredConnectors]) {
      this.#deferredConnectors.delete(connector);
      if (connector.state === "connecting") connector.stopConnecting();
    }
    await Promise.all(ports.map((p) => p.fullyClosed()));
  }

  /** Closes every connection after its pending writes; aborts those still open after the timeout. */
  #closeTransports(): Promise<void> | undefined {
    if (this.#transports.size === 0) return undefined;
    for (const t of [...this.#transports]) t.loseConnection();
    if (this.#transports.size === 0) return undefined;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.emit({
          level: "warn",
          message: `Aborting ${this.#transports.size} connection(s) still open ${this.#shutdownTimeoutMs} ms after shutdown began`,
        });
        for (const t of [...this.#transports]) t.abortConnection();
      }, this.#shutdownTimeoutMs);
      this.#transportsEmpty = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async #closePool(): Promise<void> {
    const queued = this.#queuedJobs;
    this.#queuedJobs = [];
    for (const q of queued)
      q.reject(new JobCancelledError("The thread job was cancelled because the reactor stopped."));
    const pool = this.#pool;
    this.#pool = null;
    if (pool) await pool.close();
  }

  // ---------------------------------------------------------------- time

  now(): number {
    return performance.now();
  }

  seconds(): number {
    return performance.now() / 1000;
  }

  callLater<A extends unknown[]>(
    delayMs: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): DelayedCall;
  callLater(delayMs: number, fn: () => unknown): DelayedCall {
    // Forwarded without a rest parameter: an array per call is measurable GC work (see scheduler.ts).
    const scheduler = this.#scheduler;
    // biome-ignore lint/complexity/noArguments: avoids the rest-parameter allocation
    if (arguments.length > 2) return Reflect.apply(scheduler.callLater, scheduler, arguments);
    return scheduler.callLater(delayMs, fn);
  }

  getDelayedCalls(): DelayedCall[] {
    return this.#scheduler.pending();
  }

  readonly #pass = (): void => {
    this.#timer = null;
    this.#immediate = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#scheduler.runDue(performance.now());
    this.#arm();
  };

  #arm(): void {
    if (this.#state === "stopped") return;
    const next = this.#scheduler.nextTime();
    if (next === undefined) {
      this.#disarm();
      return;
    }
    if ((this.#timer || this.#immediate) && next >= this.#timerAt) return;
    this.#disarm();
    this.#timerAt = next;
    const delay = next - performance.now();
    if (delay <= 0) this.#immediate = setImmediate(this.#pass);
    else this.#timer = setTimeout(this.#pass, Math.min(Math.ceil(delay), MAX_TIMER_MS));
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  // ---------------------------------------------------------------- TCP / UNIX

  listenTCP(port: number, factory: FactoryLike, options: ListenTCPOptions = {}): ListeningPort {
    return this.#listenInet(port, factory, options, undefined);
  }

  listenUNIX(path: string, factory: FactoryLike, options: ListenUNIXOptions = {}): ListeningPort {
    if (typeof path !== "string" || path.length === 0)
      throw new InvalidArgumentError("listenUNIX needs a socket path.");
    return this.#addPort(
      new StreamPort(
        { type: "UNIX", path, backlog: options.backlog ?? 50 },
        factory,
        this.#portOwner,
      ),
    );
  }

  connectTCP(
    host: string,
    port: number,
    factory: ClientFactoryLike,
    options: ConnectTCPOptions = {},
  ): Connector {
    return this.#connectInet(host, port, factory, options, undefined);
  }

  listenTLS(
    port: number,
    factory: FactoryLike,
    tlsOptions: TlsOptions,
    options: ListenTCPOptions = {},
  ): ListeningPort {
    return this.#listenInet(port, factory, options, tlsOptions);
  }

  connectTLS(
    host: string,
    port: number,
    factory: ClientFactoryLike,
    tlsOptions: ConnectionOptions,
    options: ConnectTCPOptions = {},
  ): Connector {
    return this.#connectInet(host, port, factory, options, tlsOptions);
  }

  /** listenTCP and listenTLS: one port type, with or without TLS. */
  #listenInet(
    port: number,
    factory: FactoryLike,
    options: ListenTCPOptions,
    tls: TlsOptions | undefined,
  ): ListeningPort {
    checkPort(port, 0);
    const host = options.host || undefined;
    const backlog = options.backlog ?? 50;
    const spec = tls
      ? { type: "TCP" as const, port, host, backlog, tls }
      : { type: "TCP" as const, port, host, backlog };
    return this.#addPort(new StreamPort(spec, factory, this.#portOwner));
  }

  /** connectTCP and connectTLS: one connector type, with or without TLS. */
  #connectInet(
    host: string,
    port: number,
    factory: ClientFactoryLike,
    options: ConnectTCPOptions,
    tls: ConnectionOptions | undefined,
  ): Connector {
    checkPort(port, 1);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const bindAddress = options.bindAddress;
    const spec = tls
      ? { type: "TCP" as const, host, port, timeoutMs, bindAddress, tls }
      : { type: "TCP" as const, host, port, timeoutMs, bindAddress };
    const connector = new StreamConnector(spec, factory, this.#connectorOwner);
    this.#connectors.add(connector);
    connector.connect();
    return connector;
  }

  connectUNIX(
    path: string,
    factory: ClientFactoryLike,
    options: ConnectUNIXOptions = {},
  ): Connector {
    const connector = new StreamConnector(
      { type: "UNIX", path, timeoutMs: options.timeoutMs ?? 30_000 },
      factory,
      this.#connectorOwner,
    );
    this.#connectors.add(connector);
    connector.connect();
    return connector;
  }

  #addPort(port: StreamPort): StreamPort {
    this.#ports.add(port);
    if (this.#running) port.startListening();
    return port;
  }

  readonly #portOwner = {
    accept: (port: StreamPort, socket: Socket): void => this.#accept(port, socket),
    portClosed: (port: StreamPort): void => {
      this.#ports.delete(port);
    },
    reportListenFailure: (_port: StreamPort, error: Error): void => {
      this.logger.emit({ level: "error", message: error.message, error });
    },
  };

  #accept(port: StreamPort, socket: Socket): void {
    if (!this.#running) {
      socket.destroy();
      return;
    }
    const kind = port.spec.type;
    const peer: Address =
      kind === "TCP"
        ? tcpAddress(
            socket.remoteAddress ?? "",
            socket.remotePort ?? 0,
            socket.remoteFamily === "IPv6" ? "IPv6" : "IPv4",
          )
        : unixAddress(null);
    let protocol: ReturnType<FactoryLike["buildProtocol"]> = null;
    try {
      protocol = port.factory.buildProtocol(peer);
    } catch (error) {
      this.#reportCallback(`${port.factory.constructor.name}.buildProtocol`, error);
    }
    if (!protocol) {
      socket.on("error", () => {});
      socket.destroy();
      return;
    }
    const transport = new SocketTransport(
      socket,
      protocol,
      this.#transportOwner,
      kind,
      kind === "UNIX" && port.spec.type === "UNIX" ? port.spec.path : undefined,
      kind === "TCP" ? { peer, ...port.sharedLocalAddress() } : undefined,
    );
    this.#transports.add(transport);
    transport.start();
  }

  readonly #transportOwner = {
    logger: this.#loggerProxy(),
    transportClosed: (transport: SocketTransport): void => this.#forgetTransport(transport),
  };

  #loggerProxy(): Logger {
    return { emit: (event) => this.logger.emit(event) };
  }

  #forgetTransport(transport: SocketTransport): void {
    this.#transports.delete(transport);
    if (this.#transports.size === 0 && this.#transportsEmpty) {
      const done = this.#transportsEmpty;
      this.#transportsEmpty = null;
      done();
    }
  }

  readonly #connectorOwner = {
    logger: this.#loggerProxy(),
    clock: this as ReactorLike,
    canConnect: (): boolean => this.#running,
    deferConnect: (connector: StreamConnector): void => {
      this.#connectors.add(connector);
      this.#deferredConnectors.add(connector);
    },
    connectionOpened: (connector: StreamConnector, transport: SocketTransport): void => {
      this.#connectors.add(connector);
      this.#transports.add(transport);
    },
    connectorIdle: (connector: StreamConnector): void => {
      this.#connectors.delete(connector);
      this.#deferredConnectors.delete(connector);
    },
    transportClosed: (transport: SocketTransport): void => this.#forgetTransport(transport),
    reportCallbackError: (where: string, error: unknown): void =>
      this.#reportCallback(where, error),
  };

  // ---------------------------------------------------------------- threads

  deferToThread<T = unknown>(
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): Promise<T> {
    return this.runInThread<T>({ module, exportName, args });
  }

  runInThread<T = unknown>(job: ThreadJob): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queued: QueuedJob = { job, resolve: resolve as (v: unknown) => void, reject };
      if (this.#acceptingJobs) {
        this.#submit(queued);
        return;
      }
      // Waiting for run(): an abort must be honoured now, not at the next run.
      const signal = job.signal;
      if (signal?.aborted) {
        reject(
          new JobCancelledError("The thread job was cancelled before it started.", {
            cause: signal.reason,
          }),
        );
        return;
      }
      this.#queuedJobs.push(queued);
      signal?.addEventListener(
        "abort",
        () => {
          const i = this.#queuedJobs.indexOf(queued);
          if (i < 0) return; // already submitted: the pool handles the abort
          this.#queuedJobs.splice(i, 1);
          reject(
            new JobCancelledError("The thread job was cancelled by its AbortSignal.", {
              cause: signal.reason,
            }),
          );
        },
        { once: true },
      );
    });
  }

  #submit(q: QueuedJob): void {
    this.#pool ??= new ThreadPool(
      this.#threadPoolSize === undefined ? {} : { maxThreads: this.#threadPoolSize },
    );
    this.#jobsInFlight++;
    this.#pool.run(q.job).then(
      (value) => {
        this.#jobsInFlight--;
        q.resolve(value);
      },
      (error: unknown) => {
        this.#jobsInFlight--;
        q.reject(error);
      },
    );
  }

  // ---------------------------------------------------------------- introspection

  /** Listening ports (pending, binding or listening). */
  getListeningPorts(): ListeningPort[] {
    return [...this.#ports];
  }

  /** Open connections (server and client side). */
  getConnections(): Transport[] {
    return [...this.#transports];
  }

  /**
   * Everything the reactor owns right now: listeners, connections, connectors, pending delayed calls,
   * the worker pool and thread jobs. Empty after `stop()` resolves (the dirty-reactor check uses it).
   */
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
    for (const d of this.#scheduler.pending())
      out.push({ kind: "delayed-call", description: String(d) });
    if (this.#pool && this.#pool.threads > 0)
      out.push({ kind: "thread-pool", description: `${this.#pool.threads} worker thread(s)` });
    const jobs = this.#jobsInFlight + this.#queuedJobs.length;
    if (jobs > 0) out.push({ kind: "thread-job", description: `${jobs} thread job(s) pending` });
    return out;
  }

  // ---------------------------------------------------------------- error reporting

  #guard(where: string, fn: () => unknown): void {
    try {
      const r = fn();
      if (
        r !== null &&
        typeof r === "object" &&
        typeof (r as PromiseLike<unknown>).then === "function"
      ) {
        (r as PromiseLike<unknown>).then(undefined, (e: unknown) => this.#reportCallback(where, e));
      }
    } catch (error) {
      this.#reportCallback(where, error);
    }
  }

  #reportCallback(where: string, error: unknown): void {
    this.logger.emit({
      level: "error",
      message: `Unhandled error in ${where}`,
      error,
      context: { callback: where },
    });
  }

  #reportTrigger(error: unknown, event: string, phase: SystemEventPhase): void {
    this.logger.emit({
      level: "error",
      message: `Unhandled error in a "${phase} ${event}" system event trigger`,
      error,
      context: { event, phase },
    });
  }

  #reportTriggerTimeout(event: string, pending: number): void {
    this.logger.emit({
      level: "warn",
      message: `${pending} "before ${event}" trigger(s) did not settle within ${this.#triggerTimeoutMs} ms; going on`,
      context: { event, pending },
    });
  }
}

/**
 * Creates a new, independent reactor. Several can run at once in one process.
 *
 * @example
 * ```ts
 * const reactor = createReactor({ shutdownTimeoutMs: 2000 });
 * reactor.callWhenRunning(() => console.log("running"));
 * reactor.callLater(1000, () => reactor.stop());
 * await reactor.run();
 * ```
 */
export function createReactor(options?: ReactorOptions): Reactor {
  return new Reactor(options);
}

/**
 * A shared default reactor for seed-style code (`import { reactor } from "@lr/reactor"`). Creating it
 * allocates nothing: it owns no handle until it runs. Prefer passing a reactor around in libraries.
 */
export const reactor: Reactor = new Reactor();
