import type { Socket } from "node:net";
import type { ConnectionOptions, TlsOptions } from "node:tls";
import type { BaseConnectSpec } from "../base/base-connector.js";
import type { BasePortSpec } from "../base/base-port.js";
import { ReactorBase, type TrackedTransport } from "../base/reactor-base.js";
import { type Address, tcpAddress, unixAddress } from "../core/address.js";
import { JobCancelledError } from "../core/errors.js";
import type {
  ClientFactoryLike,
  ConnectTCPOptions,
  DelayedCall,
  FactoryLike,
  ListenTCPOptions,
  ReactorLike,
  ReactorResource,
  ReactorTLS,
  ThreadJob,
} from "../core/interfaces.js";
import { createStderrLogger, type Logger } from "../core/logger.js";
import { Scheduler } from "../time/scheduler.js";
import { SocketTransport } from "./socket-transport.js";
import {
  type ConnectSpec,
  StreamConnector,
  type StreamConnectorOwner,
} from "./stream-connector.js";
import { type PortSpec, StreamPort, type StreamPortOwner } from "./stream-port.js";
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
export class Reactor
  extends ReactorBase<StreamPort, StreamConnector>
  implements ReactorLike, ReactorTLS
{
  readonly #shutdownTimeoutMs: number;
  readonly #threadPoolSize: number | undefined;
  readonly #scheduler: Scheduler;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #timerAt = Number.POSITIVE_INFINITY;
  #keepAlive: NodeJS.Timeout | null = null;
  #pool: ThreadPool | null = null;
  #queuedJobs: QueuedJob[] = [];
  #jobsInFlight = 0;
  /** A stop() waits for the end of the current (or next) timer pass to start this shutdown. */
  #shutDownFn: (() => void) | null = null;
  /** A timer pass is running (stop() from a delayed call shuts down right after the pass). */
  #inPass = false;
  /**
   * Until the next macrotask after a pass that ran calls: Promise continuations of those calls count
   * as part of the pass (a Deferred's callbacks would have run inside it).
   */
  #passTail = false;
  readonly #endTail = (): void => {
    this.#passTail = false;
  };

  constructor(options: ReactorOptions = {}) {
    super({
      logger: options.logger ?? createStderrLogger(),
      triggerTimeoutMs: options.triggerTimeoutMs ?? 30_000,
    });
    this.#shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
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
        if (this.state !== "stopped" && time < this.#timerAt) this.#arm();
      },
    });
  }

  // ---------------------------------------------------------------- back-end hooks

  protected override willRun(): void {
    // Like reactor.run() blocking: keep the process alive for as long as the reactor runs.
    this.#keepAlive = setInterval(() => {}, MAX_TIMER_MS);
    // Timed calls run while starting up (Twisted's loop iterates during a "before startup" wait):
    // a trigger may wait on a callLater, also behind calls scheduled before run().
    this.#arm();
  }

  protected override didStart(): void {
    const jobs = this.#queuedJobs;
    this.#queuedJobs = [];
    for (const q of jobs) this.#submit(q);
    this.#arm();
  }

  /**
   * As Twisted's reactor, the shutdown begins at the end of a round of due timed calls: right after
   * the current pass when stop() is called from a delayed call (calls that pass created wait), else
   * after the calls due now have run. Promise continuations started by that pass run first (a
   * Deferred's callbacks would have run inside the pass). A stop() from inside any callback thus
   * never tears down the connection whose callback is still on the stack.
   */
  protected override scheduleShutdown(shutDown: () => void): void {
    this.#shutDownFn = shutDown;
    if (this.#inPass) return; // #pass starts it
    if (this.#passTail) {
      this.#shutdownAfterContinuations();
      return;
    }
    setImmediate(() => {
      this.#runPass();
      this.#shutdownAfterContinuations();
    });
  }

  #shutdownAfterContinuations(): void {
    // Every microtask queued by the pass runs before the next macrotask.
    setImmediate(() => {
      const shutDown = this.#shutDownFn;
      this.#shutDownFn = null;
      this.#arm(); // calls keep running while "before shutdown" triggers are awaited
      shutDown?.();
    });
  }

  /** Closes every connection after its pending writes; aborts those still open after the timeout. */
  protected override closeConnections(
    transports: readonly TrackedTransport[],
  ): Promise<void> | undefined {
    for (const t of transports) t.loseConnection();
    if (this.transportCount === 0) return undefined;
    const timer = setTimeout(() => {
      this.logger.emit({
        level: "warn",
        message: `Aborting ${this.transportCount} connection(s) still open ${this.#shutdownTimeoutMs} ms after shutdown began`,
      });
      for (const t of this.getConnections()) t.abortConnection();
    }, this.#shutdownTimeoutMs);
    return this.whenNoTransports().then(() => clearTimeout(timer));
  }

  protected override async stopThreads(): Promise<void> {
    const queued = this.#queuedJobs;
    this.#queuedJobs = [];
    for (const q of queued)
      q.reject(new JobCancelledError("The thread job was cancelled because the reactor stopped."));
    const pool = this.#pool;
    this.#pool = null;
    if (pool) await pool.close();
  }

  protected override portsReleased(ports: readonly StreamPort[]): Promise<void> {
    return Promise.all(ports.map((p) => p.fullyClosed())).then(() => undefined);
  }

  protected override didStop(): void {
    this.#scheduler.cancelAll();
    this.#disarm();
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    this.#keepAlive = null;
  }

  protected override backEndResources(out: ReactorResource[]): void {
    if (this.#pool && this.#pool.threads > 0)
      out.push({ kind: "thread-pool", description: `${this.#pool.threads} worker thread(s)` });
    const jobs = this.#jobsInFlight + this.#queuedJobs.length;
    if (jobs > 0) out.push({ kind: "thread-job", description: `${jobs} thread job(s) pending` });
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
    // Between a stop() and the start of the shutdown no more calls run (they would not in Twisted).
    if (this.#shutDownFn !== null) return;
    this.#runPass();
    if (this.#shutDownFn !== null) this.#shutdownAfterContinuations();
    else this.#arm();
  };

  #runPass(): void {
    this.#inPass = true;
    let ran = 0;
    try {
      ran = this.#scheduler.runDue(performance.now());
    } finally {
      this.#inPass = false;
    }
    if (ran > 0 && !this.#passTail) {
      this.#passTail = true;
      setImmediate(this.#endTail);
    }
  }

  #arm(): void {
    if (this.state === "stopped") return;
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

  // ---------------------------------------------------------------- TCP / UNIX / TLS

  listenTLS(
    port: number,
    factory: FactoryLike,
    tlsOptions: TlsOptions,
    options: ListenTCPOptions = {},
  ): StreamPort {
    return this.addPort(
      this.createPort({ ...this.tcpPortSpec(port, options), tls: tlsOptions }, factory),
    );
  }

  connectTLS(
    host: string,
    port: number,
    factory: ClientFactoryLike,
    tlsOptions: ConnectionOptions,
    options: ConnectTCPOptions = {},
  ): StreamConnector {
    return this.startConnector(
      this.createConnector(
        { ...this.tcpConnectSpec(host, port, options), tls: tlsOptions },
        factory,
      ),
    );
  }

  protected override createPort(spec: BasePortSpec | PortSpec, factory: FactoryLike): StreamPort {
    return new StreamPort(spec, factory, this.#portOwner);
  }

  protected override createConnector(
    spec: BaseConnectSpec | ConnectSpec,
    factory: ClientFactoryLike,
  ): StreamConnector {
    return new StreamConnector(spec, factory, this.#connectorOwner);
  }

  readonly #portOwner: StreamPortOwner = {
    ...this.portOwner,
    accept: (port: StreamPort, socket: Socket): void => this.#accept(port, socket),
    reportAcceptError: (port: StreamPort, error: Error, suppressed: number): void => {
      const code = (error as NodeJS.ErrnoException).code;
      const more = suppressed > 0 ? ` (${suppressed} more since the last report)` : "";
      this.logger.emit({
        level: "warn",
        message: `Cannot accept connections on ${port.describe()}: ${code ?? error.message}${more}`,
        error,
        context: { port: port.describe(), code, suppressed },
      });
    },
  };

  #accept(port: StreamPort, socket: Socket): void {
    if (!this.running) {
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
      this.reportCallback(`${port.factory.constructor.name}.buildProtocol`, error);
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
    this.trackTransport(transport);
    transport.start();
  }

  readonly #transportOwner = {
    logger: this.#loggerProxy(),
    transportClosed: (transport: SocketTransport): void => this.forgetTransport(transport),
  };

  #loggerProxy(): Logger {
    return { emit: (event) => this.logger.emit(event) };
  }

  readonly #connectorOwner: StreamConnectorOwner = {
    ...this.connectorOwner,
    logger: this.#loggerProxy(),
    connectionOpened: (transport: SocketTransport): void => this.trackTransport(transport),
    transportClosed: (transport: SocketTransport): void => this.forgetTransport(transport),
  };

  // ---------------------------------------------------------------- threads

  runInThread<T = unknown>(job: ThreadJob): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queued: QueuedJob = { job, resolve: resolve as (v: unknown) => void, reject };
      if (this.running) {
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
