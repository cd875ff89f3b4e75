import type { ListeningPort, ReactorLike } from "@lr/reactor";
import { ReactorNotRunning } from "@lr/reactor";
import type { ServerOptions } from "./cli.js";
import { LineServerFactory } from "./line-server.js";
import type { ServerOutput, ServerTotals } from "./output.js";
import { withProxyProtocol } from "./proxy.js";

/** A server set up on a reactor (listening once the reactor runs). */
export interface StartedServer {
  readonly factory: LineServerFactory;
  readonly port: ListeningPort;
}

/**
 * Registers the line server on `reactor` (it binds when the reactor runs).
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
  options: Pick<ServerOptions, "port" | "host" | "maxLineLength" | "greet" | "quiet"> &
    Partial<Pick<ServerOptions, "proxyProtocol">>,
  output: ServerOutput,
): StartedServer {
  const factory = new LineServerFactory(
    { maxLineLength: options.maxLineLength, greet: options.greet, quiet: options.quiet },
    output,
  );
  // Node's default backlog (511), not Twisted's 50: with 50, a burst of connects overflows the
  // accept queue and the kernel resets or delays (1 s SYN retry) the excess (tooling/load fault suite).
  const listening = withProxyProtocol(factory, reactor, options.proxyProtocol);
  const port = reactor.listenTCP(options.port, listening, { host: options.host, backlog: 511 });
  return { factory, port };
}

/** What {@link runServer} needs from the process; injected so tests drive it without one. */
export interface ServerHost {
  /** Prints one line on stderr. */
  error(line: string): void;
  /**
   * Calls `handler` on each stop request (SIGINT/SIGTERM, or a message from the cluster primary);
   * returns a function that unsubscribes.
   */
  onStopRequest(handler: (count: number) => void): () => void;
  /** Called once the server is listening, with the bound address. */
  onListening?(host: string, port: number): void;
}

/** Outcome of {@link runServer}. */
export interface ServerRun {
  /** 0 after a graceful stop, 1 if the port could not be bound or a second stop request cut the stop short. */
  readonly exitCode: number;
  readonly totals: ServerTotals;
}

/**
 * Runs the server until a stop request: listens, prints the `listening` line, and on the first
 * stop request stops the reactor gracefully (stop listening, flush and close every connection),
 * then reports the totals. A second request does not wait any more: it resolves at once.
 * Cannot-listen errors (port in use, bad address) resolve with exit code 1 and one line of error.
 * With `announce` false (a cluster worker) the listening line and the summary are left to the
 * caller: the cluster primary prints them once for all workers.
 *
 * @example
 * ```ts
 * const { exitCode } = await runServer(reactor, options, output, host);
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
  const server = startServer(reactor, options, output);
  let forced: (() => void) | null = null;
  const forcedStop = new Promise<void>((resolve) => {
    forced = resolve;
  });
  const stop = (): void => {
    try {
      void reactor.stop();
    } catch (error) {
      if (!(error instanceof ReactorNotRunning)) throw error;
    }
  };
  const unsubscribe = host.onStopRequest((count) => {
    if (count === 1) stop();
    else forced?.();
  });
  const stopped = reactor.run();
  let exitCode = 0;
  try {
    const address = await server.port.whenListening();
    if (address.type === "TCP") {
      if (announce) output.listening(address.host, address.port);
      output.flush();
      host.onListening?.(address.host, address.port);
    }
  } catch (error) {
    host.error(`cannot listen on ${options.host}:${options.port}: ${describeListenError(error)}`);
    exitCode = 1;
    stop();
  }
  const how = await Promise.race([stopped.then(() => "stopped"), forcedStop.then(() => "forced")]);
  unsubscribe();
  if (how === "forced") exitCode = 1;
  const totals = server.factory.totals();
  if (exitCode === 0 && announce) output.stopped(totals);
  output.flush();
  return { exitCode, totals };
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
