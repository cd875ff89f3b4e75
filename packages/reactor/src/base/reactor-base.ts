import { formatAddress } from "../core/address.js";
import {
  type CannotListenError,
  InvalidArgumentError,
  ReactorAlreadyRunning,
  ReactorNotRunning,
} from "../core/errors.js";
import { callGuarded, type Deferred, deferred, isThenable } from "../core/helpers.js";
import type {
  ClientFactoryLike,
  ConnectTCPOptions,
  ConnectUNIXOptions,
  DelayedCall,
  FactoryLike,
  ListenTCPOptions,
  ListenUNIXOptions,
  ReactorCore,
  ReactorResource,
  ReactorState,
  ReactorTCP,
  ReactorThreads,
  ReactorTime,
  ReactorUNIX,
  SystemEventPhase,
  SystemEventTrigger,
  ThreadJob,
  Transport,
  TriggerId,
} from "../core/interfaces.js";
import type { Logger } from "../core/logger.js";
import type { BaseConnector, BaseConnectSpec, ConnectorOwner } from "./base-connector.js";
import type { BasePort, BasePortSpec, PortOwner } from "./base-port.js";
import { type FireOptions, SystemEventTriggers } from "./system-events.js";

/** What {@link ReactorBase} needs from its back end's options. */
export interface ReactorBaseOptions {
  /** Where caught errors are reported. */
  readonly logger: Logger;
  /** Bound on the wait for Promises returned by `before` triggers, ms. */
  readonly triggerTimeoutMs: number;
}

/** A transport the base tracks: any {@link Transport} that says whether it is TCP or UNIX. */
export type TrackedTransport = Transport & { readonly kind: "TCP" | "UNIX" };

/** A pending `callWhenRunning` callback; the object is also its (removable) trigger id. */
interface WhenRunningEntry extends TriggerId {
  readonly fn: () => unknown;
}

/** Throws `InvalidArgumentError` unless `port` is an integer from `min` to 65535. */
function checkPort(port: number, min: 0 | 1): void {
  if (!Number.isInteger(port) || port < min || port > 65_535) {
    throw new InvalidArgumentError(
      `Invalid TCP port ${String(port)}: expected an integer from ${min} to 65535.`,
    );
  }
}

/**
 * What every reactor shares, whatever does its I/O (the role of Twisted's `ReactorBase`): the
 * `stopped → starting → running → stopping → stopped` life cycle of `run()`/`stop()`, one-shot
 * `callWhenRunning`, persistent system event triggers, the registry of ports, connectors and
 * connections (`getListeningPorts`, `getConnections`, `getResources`), argument checks and the
 * shutdown sequence (stop listening, cancel attempts, close connections, stop threads).
 *
 * A back end (the real `Reactor` on node:net, `@lr/testing`'s `MemoryReactor`) provides time, threads,
 * its port and connector classes, and fills the hooks: `createPort`, `createConnector`,
 * `scheduleShutdown`, and optionally `willRun`, `didStart`, `closeConnections`, `stopThreads`,
 * `portsReleased`, `didStop`, `backEndResources`.
 */
export abstract class ReactorBase<
  P extends BasePort = BasePort,
  C extends BaseConnector = BaseConnector,
> implements ReactorCore, ReactorTime, ReactorTCP, ReactorUNIX, ReactorThreads
{
  /** Where caught errors are reported. */
  readonly logger: Logger;
  readonly #triggerTimeoutMs: number;
  readonly #triggers = new SystemEventTriggers();
  #state: ReactorState = "stopped";
  #running = false;
  #stopRequested = false;
  /** The round a stop() made while starting waits for has not come yet. */
  #stopScheduled = false;
  /** Startup is awaiting Promises of "before startup" triggers. */
  #startupWaiting = false;
  /** How many times run() was called (a startup resumed after its run ended must not go on). */
  #runs = 0;
  #done: Deferred<void> | null = null;
  #whenRunning: WhenRunningEntry[] = [];
  readonly #ports = new Set<P>();
  readonly #connectors = new Set<C>();
  readonly #deferredConnectors = new Set<C>();
  readonly #transports = new Set<TrackedTransport>();
  #transportsGone: (() => void)[] = [];

  constructor(options: ReactorBaseOptions) {
    this.logger = options.logger;
    this.#triggerTimeoutMs = options.triggerTimeoutMs;
  }

  // ---------------------------------------------------------------- hooks

  /** Creates the back end's port (not yet bound). */
  protected abstract createPort(spec: BasePortSpec, factory: FactoryLike): P;
  /** Creates the back end's connector (not yet connecting). */
  protected abstract createConnector(spec: BaseConnectSpec, factory: ClientFactoryLike): C;
  /** Runs `shutDown` on a later turn (a `stop()` from a callback never tears down its own caller). */
  protected abstract scheduleShutdown(shutDown: () => void): void;
  /** The back end's time, ms. */
  abstract now(): number;
  /** The back end's time, seconds. */
  abstract seconds(): number;
  /** Schedules `fn(...args)` in `delayMs` ms on the back end's time. */
  abstract callLater<A extends unknown[]>(
    delayMs: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): DelayedCall;
  /** The back end's pending delayed calls (listed by `getResources`). */
  abstract getDelayedCalls(): DelayedCall[];
  /** Runs a thread job (queued until the reactor runs). */
  abstract runInThread<T = unknown>(job: ThreadJob): Promise<T>;
  /** `run()` was called: the reactor is `starting`. */
  protected willRun(): void {}
  /** The reactor is running, ports and deferred connectors started: start what the back end queued. */
  protected didStart(): void {}
  /** Shutdown: close these open connections; resolve once they are gone. */
  protected closeConnections(transports: readonly TrackedTransport[]): Promise<void> | undefined {
    for (const t of transports) t.loseConnection();
    return undefined;
  }
  /** Shutdown: cancel queued and running thread jobs, release the threads. */
  protected stopThreads(): Promise<void> | undefined {
    return undefined;
  }
  /** Shutdown: resolve once these (stopped) ports released everything they held. */
  protected portsReleased(_ports: readonly P[]): Promise<void> | undefined {
    return undefined;
  }
  /** The shutdown is over (the reactor becomes `stopped` right after). */
  protected didStop(): void {}
  /** Adds what the back end owns besides ports, connections, connectors and delayed calls. */
  protected backEndResources(_out: ReactorResource[]): void {}

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
    const done = deferred<void>();
    this.#done = done;
    this.willRun();
    void this.#startUpPhases(++this.#runs);
    return done.promise;
  }

  async #startUpPhases(run: number): Promise<void> {
    let waited = false;
    let started = false;
    await this.#triggers.fire("startup", {
      ...this.#fireOptions(() => {
        started = true;
        return this.#startUp();
      }),
      onWait: (waiting) => {
        this.#startupWaiting = waiting;
        if (waiting) waited = true;
      },
      // Once the shutdown has begun (a stop() while "before startup" Promises were awaited, and
      // the wait outlived the round of delayed calls the stop waited for), startup is not finished.
      proceed: () => run === this.#runs && this.#state === "starting",
    });
    if (!started) return; // stopped before "during startup"
    const whenRunning = this.#whenRunning;
    this.#whenRunning = [];
    for (const entry of whenRunning) this.guard("callWhenRunning callback", entry.fn);
    if (this.#stopRequested && this.#state === "running") {
      // A startup that waited was resumed by the round of delayed calls the stop() waited for:
      // the shutdown begins now, at the end of that round (as Twisted). Else the round the stop()
      // scheduled shuts down (or, if it already came, a new one).
      if (waited) {
        this.#stopRequested = false;
        this.#state = "stopping";
        void this.#shutDown();
      } else if (!this.#stopScheduled) {
        this.#stopRequested = false;
        this.#beginShutdown();
      }
    }
  }

  /**
   * Begins an orderly shutdown (as Twisted: at the end of the back end's current or next round of
   * due delayed calls; while starting up, once startup is done, or then if startup is still awaiting
   * "before startup" Promises). Throws `ReactorNotRunning` synchronously if stopped or already
   * stopping.
   */
  stop(): Promise<void> {
    const done = this.#done;
    if (!done || this.#state === "stopped" || this.#state === "stopping" || this.#stopRequested)
      throw new ReactorNotRunning();
    if (this.#state === "starting") {
      this.#stopRequested = true;
      this.#stopScheduled = true;
      this.scheduleShutdown(() => {
        this.#stopScheduled = false;
        if (!this.#stopRequested) return;
        // Still finishing a startup that is not waiting: it shuts down when done (see above).
        if (this.#state === "starting" && !this.#startupWaiting) return;
        this.#stopRequested = false;
        this.#state = "stopping";
        void this.#shutDown();
      });
      return done.promise;
    }
    this.#beginShutdown();
    return done.promise;
  }

  /**
   * Calls `fn` now if running (a plain call, as in Twisted: a throw reaches the caller; a rejected
   * Promise is reported), else once right after the next startup (returns a removable id).
   */
  callWhenRunning(fn: () => unknown): TriggerId | undefined {
    if (this.#running) {
      const result = fn();
      if (isThenable(result)) {
        result.then(undefined, (error: unknown) =>
          this.reportCallback("callWhenRunning callback", error),
        );
      }
      return undefined;
    }
    // One-shot, so kept apart from the persistent system event triggers; its id still removes it.
    const entry: WhenRunningEntry = { event: "startup", phase: "after", fn };
    this.#whenRunning.push(entry);
    return entry;
  }

  /** Registers a persistent system event trigger. Throws `InvalidPhaseError` for a bad phase. */
  addSystemEventTrigger(phase: SystemEventPhase, event: string, fn: SystemEventTrigger): TriggerId {
    return this.#triggers.add(phase, event, fn);
  }

  /** Removes a trigger or a pending `callWhenRunning`. Throws `TriggerNotFoundError` for an unknown id. */
  removeSystemEventTrigger(id: TriggerId): void {
    const i = this.#whenRunning.indexOf(id as WhenRunningEntry);
    if (i >= 0) this.#whenRunning.splice(i, 1);
    else this.#triggers.remove(id);
  }

  /** Fires a (custom) system event: before (awaited), during, after. */
  fireSystemEvent(event: string): Promise<void> {
    return this.#triggers.fire(event, this.#fireOptions());
  }

  #fireOptions(during?: () => Promise<void> | void): FireOptions {
    return {
      ...(during ? { during } : {}),
      beforeTimeoutMs: this.#triggerTimeoutMs,
      onError: (error, event, phase) =>
        this.logger.emit({
          level: "error",
          message: `Unhandled error in a "${phase} ${event}" system event trigger`,
          error,
          context: { event, phase },
        }),
      onTimeout: (event, pending) =>
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
    for (const port of [...this.#ports]) port.startListening();
    const deferredConnectors = [...this.#deferredConnectors];
    this.#deferredConnectors.clear();
    for (const connector of deferredConnectors) connector.startDeferred();
    this.didStart();
  }

  #beginShutdown(): void {
    this.#state = "stopping";
    this.scheduleShutdown(() => {
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
    this.didStop();
    this.#state = "stopped";
    this.#stopRequested = false;
    this.#stopScheduled = false;
    this.#startupWaiting = false;
    this.#running = false;
    const done = this.#done;
    this.#done = null;
    done?.resolve();
  }

  async #tearDown(): Promise<void> {
    this.#running = false;
    const ports = [...this.#ports];
    // Ports, attempts and connections close side by side (not one after the other): on a real
    // back end each of these waits takes a few loop turns. Connections accepted meanwhile are
    // refused (running is false).
    const portsStopped = Promise.all(ports.map((p) => p.stopListening()));
    for (const connector of [...this.#connectors]) {
      if (connector.state === "connecting") connector.stopConnecting();
    }
    if (this.#transports.size > 0) await this.closeConnections([...this.#transports]);
    await portsStopped;
    await this.stopThreads();
    // Connectors a factory re-armed while we were closing (connect() with the reactor not running)
    // are cancelled once; a factory that insists again will connect on the next run.
    for (const connector of [...this.#deferredConnectors]) {
      this.#deferredConnectors.delete(connector);
      if (connector.state === "connecting") connector.stopConnecting();
    }
    await this.portsReleased(ports);
  }

  // ---------------------------------------------------------------- threads

  /** Runs `module`'s export `exportName` with `args` in a worker thread (see `runInThread`). */
  deferToThread<T = unknown>(
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): Promise<T> {
    return this.runInThread<T>({ module, exportName, args });
  }

  // ---------------------------------------------------------------- TCP / UNIX

  /** Listens on a TCP port (bound when the reactor runs). Throws `InvalidArgumentError` for a bad port. */
  listenTCP(port: number, factory: FactoryLike, options: ListenTCPOptions = {}): P {
    return this.addPort(this.createPort(this.tcpPortSpec(port, options), factory));
  }

  /** Listens on a UNIX socket path. Throws `InvalidArgumentError` for an empty path. */
  listenUNIX(path: string, factory: FactoryLike, options: ListenUNIXOptions = {}): P {
    if (typeof path !== "string" || path.length === 0)
      throw new InvalidArgumentError("listenUNIX needs a socket path.");
    return this.addPort(
      this.createPort({ type: "UNIX", path, backlog: options.backlog ?? 50 }, factory),
    );
  }

  /** Connects over TCP (attempting when the reactor runs). Throws `InvalidArgumentError` for a bad port. */
  connectTCP(
    host: string,
    port: number,
    factory: ClientFactoryLike,
    options: ConnectTCPOptions = {},
  ): C {
    return this.startConnector(
      this.createConnector(this.tcpConnectSpec(host, port, options), factory),
    );
  }

  /** Connects to a UNIX socket path. */
  connectUNIX(path: string, factory: ClientFactoryLike, options: ConnectUNIXOptions = {}): C {
    return this.startConnector(
      this.createConnector({ type: "UNIX", path, timeoutMs: options.timeoutMs ?? 30_000 }, factory),
    );
  }

  /** The checked TCP part of a listen spec. */
  protected tcpPortSpec(port: number, options: ListenTCPOptions) {
    checkPort(port, 0);
    return {
      type: "TCP" as const,
      port,
      host: options.host || undefined,
      backlog: options.backlog ?? 50,
    };
  }

  /** The checked TCP part of a connect spec. */
  protected tcpConnectSpec(host: string, port: number, options: ConnectTCPOptions) {
    checkPort(port, 1);
    return {
      type: "TCP" as const,
      host,
      port,
      timeoutMs: options.timeoutMs ?? 30_000,
      bindAddress: options.bindAddress,
    };
  }

  /** Registers a new port, and binds it at once if the reactor runs. */
  protected addPort(port: P): P {
    this.#ports.add(port);
    if (this.#running) port.startListening();
    return port;
  }

  /** Starts a new connector. */
  protected startConnector(connector: C): C {
    connector.connect();
    return connector;
  }

  /** Tracks a connection until {@link ReactorBase.forgetTransport}. */
  protected trackTransport(transport: TrackedTransport): void {
    this.#transports.add(transport);
  }

  /** Stops tracking a closed connection. */
  protected forgetTransport(transport: TrackedTransport): void {
    this.#transports.delete(transport);
    if (this.#transports.size === 0 && this.#transportsGone.length > 0) {
      const waiting = this.#transportsGone;
      this.#transportsGone = [];
      for (const resolve of waiting) resolve();
    }
  }

  /** Resolves once no connection is tracked any more. */
  protected whenNoTransports(): Promise<void> {
    if (this.#transports.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#transportsGone.push(resolve));
  }

  /** How many connections are tracked. */
  protected get transportCount(): number {
    return this.#transports.size;
  }

  /** What the reactor's ports need from it. */
  protected readonly portOwner: PortOwner = {
    portClosed: (port) => {
      this.#ports.delete(port as P);
    },
    reportListenFailure: (error: CannotListenError) =>
      this.logger.emit({ level: "error", message: error.message, error }),
    reportCallbackError: (where, error) => this.reportCallback(where, error),
  };

  /** What the reactor's connectors need from it. */
  protected readonly connectorOwner: ConnectorOwner = {
    clock: this,
    canConnect: () => this.#running,
    connectorBusy: (connector) => {
      this.#connectors.add(connector as C);
    },
    deferConnect: (connector) => {
      this.#deferredConnectors.add(connector as C);
    },
    connectorIdle: (connector) => {
      this.#connectors.delete(connector as C);
      this.#deferredConnectors.delete(connector as C);
    },
    reportCallbackError: (where, error) => this.reportCallback(where, error),
  };

  // ---------------------------------------------------------------- introspection

  /** Listening ports (pending, binding or listening). */
  getListeningPorts(): P[] {
    return [...this.#ports];
  }

  /** Open connections (server and client side). */
  getConnections(): Transport[] {
    return [...this.#transports];
  }

  /**
   * Everything the reactor owns right now: listeners, connections, connectors, pending delayed calls,
   * and what the back end adds (worker threads, thread jobs). Empty after `stop()` resolves (the
   * dirty-reactor check uses it).
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
    for (const d of this.getDelayedCalls())
      out.push({ kind: "delayed-call", description: String(d) });
    this.backEndResources(out);
    return out;
  }

  // ---------------------------------------------------------------- error reporting

  /** Calls a user callback; a throw or a rejection is logged as `Unhandled error in <where>`. */
  protected guard(where: string, fn: () => unknown): void {
    callGuarded(fn, (error) => this.reportCallback(where, error));
  }

  /** Logs a failed user callback. */
  protected reportCallback(where: string, error: unknown): void {
    this.logger.emit({
      level: "error",
      message: `Unhandled error in ${where}`,
      error,
      context: { callback: where },
    });
  }
}
