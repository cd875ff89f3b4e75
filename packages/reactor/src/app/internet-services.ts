import { NotListeningError } from "../core/errors.js";
import type {
  FactoryLike,
  ListeningPort,
  ListenTCPOptions,
  ReactorTCP,
  ReactorTime,
  StreamServerEndpoint,
} from "../core/interfaces.js";
import { createStderrLogger, type Logger } from "../core/logger.js";
import { reactor as defaultReactor } from "../node/default-reactor.js";
import { LoopingCall } from "./looping-call.js";
import { Service } from "./service.js";

/**
 * A service that listens on a TCP port while running (Twisted's `internet.TCPServer`): `listenTCP`
 * on start, `stopListening()` on stop (accepted connections are left to the reactor's shutdown, or
 * to your protocols). A bind failure is reported by the reactor's logger; await
 * {@link TCPServer.whenListening} to observe it.
 *
 * @example
 * ```ts
 * attachService(reactor, new TCPServer(reactor, 9000, Factory.forProtocol(Echo), { host: "127.0.0.1" }));
 * ```
 */
export class TCPServer extends Service {
  /** The listening port while running. */
  port: ListeningPort | null = null;

  /** Creates the service; nothing is bound until it starts. */
  constructor(
    readonly reactor: ReactorTCP,
    readonly portNumber: number,
    readonly factory: FactoryLike,
    readonly options: ListenTCPOptions = {},
  ) {
    super();
  }

  /** Resolves with the port once bound; rejects with `CannotListenError`, or `NotListeningError` if not started. */
  async whenListening(): Promise<ListeningPort> {
    const port = this.port;
    if (!port) throw new NotListeningError("The TCPServer service is not running.");
    await port.whenListening();
    return port;
  }

  override startService(): void {
    super.startService();
    this.port = this.reactor.listenTCP(this.portNumber, this.factory, this.options);
  }

  override async stopService(): Promise<void> {
    super.stopService();
    const port = this.port;
    this.port = null;
    if (port) await port.stopListening();
  }
}

/**
 * A service that listens on a server endpoint while running (Twisted's
 * `StreamServerEndpointService`). Listen failures are logged (level `error`), not thrown; the
 * Promise {@link StreamServerEndpointService.listening} settles with the outcome.
 *
 * @example
 * ```ts
 * attachService(reactor, new StreamServerEndpointService(serverFromString(reactor, "tcp:9000"), factory));
 * ```
 */
export class StreamServerEndpointService extends Service {
  /** The current listen attempt (`null` before the first start). */
  listening: Promise<ListeningPort> | null = null;
  readonly #logger: Logger;

  /** Creates the service; `logger` receives listen failures (default: stderr). */
  constructor(
    readonly endpoint: StreamServerEndpoint,
    readonly factory: FactoryLike,
    options: { readonly logger?: Logger } = {},
  ) {
    super();
    this.#logger = options.logger ?? createStderrLogger();
  }

  override startService(): void {
    super.startService();
    const attempt = this.endpoint.listen(this.factory);
    this.listening = attempt;
    attempt.catch((error: unknown) => {
      this.#logger.emit({
        level: "error",
        message: `Endpoint service could not listen: ${error instanceof Error ? error.message : String(error)}`,
        error,
      });
    });
  }

  override async stopService(): Promise<void> {
    super.stopService();
    const attempt = this.listening;
    if (!attempt) return;
    let port: ListeningPort;
    try {
      port = await attempt;
    } catch {
      return; // never listened: nothing to close
    }
    await port.stopListening();
  }
}

/**
 * A service that calls a function every `intervalMs` while running (Twisted's `TimerService`), with
 * {@link LoopingCall} semantics (first call at start, skipped ticks, waits for Promises). A failure
 * of the function stops the loop and is logged. Set {@link TimerService.clock} to the reactor you
 * run (default: the default `reactor`).
 *
 * @example
 * ```ts
 * const ts = new TimerService(60_000, () => purgeCache());
 * ts.clock = reactor;
 * attachService(reactor, ts);
 * ```
 */
export class TimerService<A extends unknown[] = []> extends Service {
  /** The time source of the loop. */
  clock: ReactorTime = defaultReactor;
  #loop: LoopingCall<A> | null = null;
  #done: Promise<unknown> | null = null;
  readonly #fn: (...args: A) => unknown;
  readonly #args: A;
  readonly #logger: Logger;

  /** Creates the service; nothing is called until it starts. */
  constructor(
    readonly intervalMs: number,
    fn: (...args: A) => unknown,
    ...args: A
  ) {
    super();
    this.#fn = fn;
    this.#args = args;
    this.#logger = createStderrLogger();
  }

  override startService(): void {
    super.startService();
    const loop = new LoopingCall(this.#fn, ...this.#args);
    loop.clock = this.clock;
    this.#loop = loop;
    this.#done = loop.start(this.intervalMs, true).catch((error: unknown) => {
      this.#logger.emit({
        level: "error",
        message: "TimerService function failed; the timer stopped",
        error,
      });
    });
  }

  override async stopService(): Promise<void> {
    super.stopService();
    const loop = this.#loop;
    this.#loop = null;
    if (loop?.running) loop.stop();
    await this.#done;
  }
}
