import type { ReactorCore, ServiceLike, Transport } from "../core/interfaces.js";
import { createStderrLogger, type Logger } from "../core/logger.js";
import { attachService, MultiService } from "./service.js";

/** Options of {@link runWithSignals}. */
export interface RunWithSignalsOptions {
  /** Services to start when the reactor runs and stop (in reverse order) on shutdown. */
  readonly services?: ServiceLike | readonly ServiceLike[];
  /**
   * Bound on the graceful stop after the first signal, ms (default 10000). When it expires, the stop
   * turns immediate, as with a second signal.
   */
  readonly shutdownTimeoutMs?: number;
  /** Signals that stop the reactor (default `["SIGINT", "SIGTERM"]`). */
  readonly signals?: readonly NodeJS.Signals[];
  /** Where signal handling is reported (default: the reactor's `logger`, else stderr). */
  readonly logger?: Logger;
  /** Set `process.exitCode` from the outcome (default `true`). */
  readonly setProcessExitCode?: boolean;
  /**
   * Told of every stop request as it happens: each signal (`count` 1: graceful stop, 2 and more:
   * immediate), and the bound expiring (`signal` `null`, `immediate` true). For programs that do
   * more than stop the reactor: run no further rounds, tell worker processes, leave at once.
   */
  readonly onStopRequest?: (request: StopRequest) => void;
}

/** A stop request as {@link RunWithSignalsOptions.onStopRequest} sees it. */
export interface StopRequest {
  /** The signal received, or `null` when the graceful stop outlived `shutdownTimeoutMs`. */
  readonly signal: NodeJS.Signals | null;
  /** Signals received so far in this run. */
  readonly count: number;
  /** The stop is (now) immediate: connections are aborted, pending service stops no longer awaited. */
  readonly immediate: boolean;
}

/** A reactor as {@link runWithSignals} needs it; `getConnections` (on `Reactor`) lets a forced stop abort connections. */
export type SignalReactor = ReactorCore & {
  readonly logger?: Logger;
  getConnections?(): Transport[];
};

/**
 * Runs `reactor` with `services` until it stops, handling SIGINT/SIGTERM like a well-behaved server:
 *
 * 1. first signal: graceful stop — `reactor.stop()`: services stop in reverse order (servers stop
 *    listening), then the reactor flushes and closes the remaining connections; bounded by
 *    `shutdownTimeoutMs`;
 * 2. second signal (or the bound expiring): immediate stop — pending service stops are no longer
 *    awaited and every connection is aborted.
 *
 * Resolves with the exit code once the reactor has stopped: `0` for a clean stop (by a signal or
 * by anyone calling `reactor.stop()`), `1` when the stop had to be forced; also sets
 * `process.exitCode` unless told not to. Signal listeners are removed when it returns (Node's
 * default handling is back), and services are detached from the reactor.
 *
 * @example
 * ```ts
 * const reactor = createReactor();
 * await runWithSignals(reactor, { services: [new TCPServer(reactor, 9000, factory)], shutdownTimeoutMs: 5000 });
 * ```
 */
export async function runWithSignals(
  reactor: SignalReactor,
  options: RunWithSignalsOptions = {},
): Promise<number> {
  const logger = options.logger ?? reactor.logger ?? createStderrLogger();
  const signals = options.signals ?? ["SIGINT", "SIGTERM"];
  const boundMs = options.shutdownTimeoutMs ?? 10_000;
  const list =
    options.services === undefined
      ? []
      : Array.isArray(options.services)
        ? (options.services as readonly ServiceLike[])
        : [options.services as ServiceLike];
  const root = list.length === 1 ? (list[0] as ServiceLike) : new MultiService();
  if (root instanceof MultiService && list.length !== 1) for (const s of list) root.addService(s);

  let forced = false;
  let received = 0;
  let bound: NodeJS.Timeout | undefined;
  let releaseStops!: () => void;
  const stopsReleased = new Promise<void>((resolve) => {
    releaseStops = resolve;
  });

  // Services stop in "before shutdown"; a forced stop stops waiting for them.
  const service: ServiceLike = {
    get name() {
      return root.name;
    },
    get running() {
      return root.running;
    },
    startService: () => root.startService(),
    stopService: () => {
      const stopping = Promise.resolve(root.stopService());
      stopping.catch((error: unknown) =>
        logger.emit({ level: "error", message: "A service failed to stop cleanly", error }),
      );
      return Promise.race([
        stopping.then(
          () => undefined,
          () => undefined,
        ),
        stopsReleased,
      ]);
    },
  };
  const detach = attachService(reactor, service);

  const requestStop = () => {
    if (reactor.state === "running" || reactor.state === "starting") {
      try {
        void reactor.stop();
      } catch {
        // a stop is already under way
      }
    }
  };

  const notify = (request: StopRequest) => {
    try {
      options.onStopRequest?.(request);
    } catch (error) {
      logger.emit({ level: "error", message: "onStopRequest threw", error });
    }
  };

  const forceStop = (why: string, signal: NodeJS.Signals | null) => {
    if (forced) return;
    forced = true;
    notify({ signal, count: received, immediate: true });
    logger.emit({ level: "warn", message: `Stopping immediately (${why}).` });
    releaseStops();
    requestStop();
    for (const t of reactor.getConnections?.() ?? []) t.abortConnection();
  };

  const onSignal = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) {
      logger.emit({
        level: "info",
        message: `Received ${signal}, shutting down (send it again to stop immediately).`,
      });
      bound = setTimeout(
        () => forceStop(`graceful shutdown took longer than ${boundMs} ms`, null),
        boundMs,
      );
      notify({ signal, count: 1, immediate: false });
      requestStop();
    } else {
      forceStop(`received ${signal} again`, signal);
    }
  };
  for (const s of signals) process.on(s, onSignal);

  try {
    await reactor.run();
  } finally {
    for (const s of signals) process.off(s, onSignal);
    if (bound) clearTimeout(bound);
    detach();
  }
  const code = forced ? 1 : 0;
  if (options.setProcessExitCode !== false) process.exitCode = code;
  return code;
}
