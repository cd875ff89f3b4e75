import type { ListeningPort, Logger, ReactorLike, ServiceLike } from "@lr/reactor";
import { LimitConnectionsFactory, ReactorNotRunning, runWithSignals } from "@lr/reactor";
import type { ServerOptions } from "./cli.js";
import { LineServerFactory } from "./line-server.js";
import type { ServerOutput, ServerTotals } from "./output.js";
import { withProxyProtocol } from "./proxy.js";

/** A server set up on a reactor (listening once the reactor runs). */
export interface StartedServer {
  /** The line server's factory: totals, live connections, back-pressure. */
  readonly factory: LineServerFactory;
  /** The connection limits wrapped around it (what the port really uses). */
  readonly limits: LimitConnectionsFactory;
  readonly port: ListeningPort;
}

/** The options {@link startServer} reads. */
export type StartOptions = Pick<
  ServerOptions,
  "port" | "host" | "maxLineLength" | "greet" | "quiet" | "delimiter"
> &
  Partial<
    Pick<
      ServerOptions,
      "idleTimeout" | "lineTimeout" | "maxConnections" | "maxConnectionsPerPeer" | "proxyProtocol"
    >
  >;

const seconds = (s: number | undefined): number | null =>
  s === undefined || s === 0 ? null : s * 1000;

/**
 * Registers the line server on `reactor` (it binds when the reactor runs), behind the library's
 * {@link LimitConnectionsFactory}: a connection over `--max-connections` (or the per-peer limit)
 * is accepted and closed at once, and reported to `refusals` (level `warn`). With `--proxy-protocol`
 * the PROXY header is read outside the limits, so the per-peer limit counts the real client.
 *
 * @example
 * ```ts
 * const { port } = startServer(reactor, options, output);
 * void reactor.run();
 * const address = await port.whenListening();
 * ```
 */
export function startServer(
  reactor: ReactorLike,
  options: StartOptions,
  output: ServerOutput,
  refusals: Logger = { emit() {} },
): StartedServer {
  const factory = new LineServerFactory(
    {
      maxLineLength: options.maxLineLength,
      greet: options.greet,
      quiet: options.quiet,
      delimiter: options.delimiter,
      idleTimeoutMs: seconds(options.idleTimeout),
      lineTimeoutMs: seconds(options.lineTimeout),
      clock: reactor,
    },
    output,
  );
  const limits = new LimitConnectionsFactory(factory, {
    ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}),
    ...(options.maxConnectionsPerPeer
      ? { maxConnectionsPerPeer: options.maxConnectionsPerPeer }
      : {}),
    logger: refusals,
  });
  // Node's default backlog (511), not Twisted's 50: with 50, a burst of connects overflows the
  // accept queue and the kernel resets or delays (1 s SYN retry) the excess (tooling/load fault suite).
  // --proxy-protocol wraps outermost: the limits (per peer) inside it see the client's address.
  const listening = withProxyProtocol(limits, reactor, options.proxyProtocol);
  const port = reactor.listenTCP(options.port, listening, { host: options.host, backlog: 511 });
  return { factory, limits, port };
}

/** What {@link runServer} needs from the process; injected so tests drive it without one. */
export interface ServerHost {
  /** Prints one line on stderr. */
  error(line: string): void;
  /** The signals that stop the server (first: graceful, second: at once), via `runWithSignals`. */
  readonly signals: readonly NodeJS.Signals[];
  /** Refused connections (over a limit) are reported here, level `warn`. */
  readonly refusals?: Logger;
  /** Services run with the server (started with the reactor, stopped first on shutdown). */
  readonly services?: readonly ServiceLike[];
  /** Called once the server is set up (before it listens), with its factory. */
  onStarted?(factory: LineServerFactory): void;
  /** Called once the server is listening, with the bound address. */
  onListening?(host: string, port: number): void;
  /** Called when the stop begins (the reactor's "before shutdown"). */
  onStopping?(): void;
  /** Subscribes to output congestion (back-pressure); returns a function that unsubscribes. */
  onCongestion?(listener: (congested: boolean) => void): () => void;
  /** The logger `runWithSignals` reports to (default: silent). */
  readonly logger?: Logger;
}

/** Outcome of {@link runServer}. */
export interface ServerRun {
  /** 0 after a graceful stop, 1 if the port could not be bound or the stop had to be forced. */
  readonly exitCode: number;
  /** The stop was forced (second signal, or the shutdown timeout). */
  readonly forced: boolean;
  readonly totals: ServerTotals;
  /** The factory, for its counters. */
  readonly factory: LineServerFactory;
}

/**
 * Runs the server until a stop request, with the library's `runWithSignals`: listens, prints the
 * `listening` line, and on the first signal stops the reactor gracefully (stop listening, flush
 * and close every connection), then reports the totals; a second signal (or `--shutdown-timeout`
 * expiring) aborts every connection and resolves with exit code 1. Cannot-listen errors resolve
 * with exit code 1 and one line of error. With `announce` false (a cluster worker) the listening
 * line and the summary are left to the caller: the cluster primary prints them once for all.
 *
 * @example
 * ```ts
 * const { exitCode } = await runServer(reactor, options, output, { error: console.error, signals: ["SIGINT", "SIGTERM"] });
 * process.exitCode = exitCode;
 * ```
 */
export async function runServer(
  reactor: ReactorLike,
  options: ServerOptions,
  output: ServerOutput,
  host: ServerHost,
  announce = true,
): Promise<ServerRun> {
  const server = startServer(reactor, options, output, host.refusals);
  host.onStarted?.(server.factory);
  const unsubscribe = host.onCongestion?.((congested) => server.factory.setHeld(congested));
  let stopping = false;
  const trigger = reactor.addSystemEventTrigger("before", "shutdown", () => {
    stopping = true;
    host.onStopping?.();
  });
  const stopped = runWithSignals(reactor, {
    signals: host.signals,
    shutdownTimeoutMs: options.shutdownTimeout * 1000,
    logger: host.logger ?? { emit() {} },
    setProcessExitCode: false,
    ...(host.services ? { services: host.services } : {}),
  });
  let exitCode = 0;
  try {
    const address = await server.port.whenListening();
    if (address.type === "TCP") {
      if (announce) output.listening(address.host, address.port);
      output.flush();
      host.onListening?.(address.host, address.port);
    }
  } catch (error) {
    // Stopped before the port was bound (a signal during start-up): a clean stop, not a failure.
    if (stopping) return finish();
    host.error(`cannot listen on ${options.host}:${options.port}: ${describeListenError(error)}`);
    exitCode = 1;
    try {
      void reactor.stop();
    } catch (e) {
      if (!(e instanceof ReactorNotRunning)) throw e;
    }
  }
  return finish();

  async function finish(): Promise<ServerRun> {
    const code = await stopped;
    unsubscribe?.();
    reactor.removeSystemEventTrigger(trigger);
    const forced = code !== 0;
    if (forced) exitCode = 1;
    const totals = server.factory.totals();
    if (exitCode === 0 && announce) output.stopped(totals);
    output.flush();
    return { exitCode, forced, totals, factory: server.factory };
  }
}

/** The system's reason (e.g. `address already in use (EADDRINUSE)`) without a stack. */
export function describeListenError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    const text = ERRNO_TEXT[code ?? ""];
    if (text !== undefined && code !== undefined) return `${text} (${code})`;
    return cause.message;
  }
  return String(cause);
}

const ERRNO_TEXT: Record<string, string> = {
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available",
  EACCES: "permission denied",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host lookup failed",
};
