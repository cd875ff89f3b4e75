import type { ReactorLike } from "@lr/reactor";
import { JobCancelledError, LrError, ReactorNotRunning } from "@lr/reactor";
import type { ClientOptions } from "./cli.js";
import { type SeedClient, SeedClientFactory, type TryEvents } from "./client-protocol.js";
import type { ClientOutput } from "./output.js";

/** How often the progress display is redrawn while the job runs. */
const PROGRESS_TICK_MS = 100;

/** Outcome of {@link runClient}. */
export interface ClientResult {
  /** Tries that ran (fewer than asked when interrupted). */
  readonly tries: number;
  /** Tries that failed (connection failed or lost before the message was sent, job failed). */
  readonly failed: number;
  /** The run was cut short by the abort signal. */
  readonly interrupted: boolean;
}

/** Output back-pressure as {@link runClient} sees it (the app's stdout). */
export interface Congestion {
  /** `true` while stdout is behind. */
  readonly congested: boolean;
  /** Calls `listener` on every change; returns a function that unsubscribes. */
  onCongestion(listener: (congested: boolean) => void): () => void;
}

/** Where the job runs: the module and export handed to `deferToThread`. */
export interface JobSpec {
  readonly module: string | URL;
  readonly exportName: string;
}

/** One run of the reactor: connect, run the job off-thread, send, linger, stop. */
class Try implements TryEvents {
  /** Connected, and the message was sent while still connected. */
  ok = false;
  #protocol: SeedClient | null = null;
  #jobRunning = false;

  constructor(
    private readonly reactor: ReactorLike,
    private readonly options: ClientOptions,
    private readonly output: ClientOutput,
    private readonly job: JobSpec,
    readonly attempt: number,
    private readonly congestion: Congestion | undefined,
  ) {}

  connected(protocol: SeedClient): void {
    this.#protocol = protocol;
    this.output.connected(this.attempt);
    if (this.congestion?.congested) this.hold(true);
    this.#runJob(protocol);
  }

  /** Back-pressure: stop (or resume) reading from the server while stdout is behind. */
  hold(held: boolean): void {
    const transport = this.#protocol?.transport;
    if (!transport) return;
    if (held) transport.pauseProducing();
    else transport.resumeProducing();
  }

  line(line: Uint8Array): void {
    this.output.received(this.attempt, line);
  }

  lost(reason: Error): void {
    this.output.lost(this.attempt, `${reason.name}: ${reason.message}`);
    // Lost before the message went out: this try failed; no point in finishing the job.
    if (!this.ok) this.stop();
  }

  connectFailed(reason: Error): void {
    this.output.connectFailed(this.attempt, describeConnectError(reason), errorCode(reason));
    this.stop();
  }

  #runJob(protocol: SeedClient): void {
    const { reactor, output } = this;
    const seconds = this.options.work;
    output.jobStarted(this.attempt, seconds);
    const started = reactor.now();
    this.#jobRunning = true;
    if (output.showsProgress) {
      const expectedMs = seconds * 1000;
      const tick = (): void => {
        if (!this.#jobRunning) return;
        output.progress(reactor.now() - started, expectedMs);
        reactor.callLater(PROGRESS_TICK_MS, tick);
      };
      tick();
    }
    reactor.deferToThread(this.job.module, this.job.exportName, seconds).then(
      () => {
        this.#jobRunning = false;
        // The connection went away meanwhile: lost() has already stopped the reactor.
        if (!protocol.connected) return;
        output.jobFinished(this.attempt, reactor.now() - started);
        protocol.sendLine(this.options.message);
        output.sent(this.attempt, this.options.message);
        this.ok = true;
        reactor.callLater(this.options.linger * 1000, () => this.stop());
      },
      (error: unknown) => {
        this.#jobRunning = false;
        if (error instanceof JobCancelledError && !reactor.running) return;
        output.jobFailed(this.attempt, error instanceof Error ? error.message : String(error));
        this.#protocol?.transport?.loseConnection();
        this.stop();
      },
    );
  }

  /** Stops the reactor unless it is already stopping. */
  stop(): void {
    this.#jobRunning = false;
    try {
      void this.reactor.stop();
    } catch (error) {
      if (!(error instanceof ReactorNotRunning)) throw error;
    }
  }
}

/**
 * The seed's main loop, done right: runs the SAME reactor `options.tries` times. Each run connects
 * (bounded by `options.connectTimeout`), runs the long job in a worker thread (the event loop stays
 * free: server lines are printed as they arrive), sends `options.message`, and stops the reactor
 * `options.linger` seconds later. While `congestion` says stdout is behind, the connection is not
 * read from. `run` runs the reactor once (default `reactor.run()`; the app uses `runWithSignals`).
 *
 * @example
 * ```ts
 * const result = await runClient(createReactor(), options, output, { module: new URL("./job.js", import.meta.url), exportName: "run" });
 * process.exitCode = result.failed === 0 ? 0 : 1;
 * ```
 */
export async function runClient(
  reactor: ReactorLike,
  options: ClientOptions,
  output: ClientOutput,
  job: JobSpec,
  signal?: AbortSignal,
  congestion?: Congestion,
  run: (reactor: ReactorLike) => Promise<unknown> = (r) => r.run(),
): Promise<ClientResult> {
  let failed = 0;
  let ran = 0;
  for (let attempt = 1; attempt <= options.tries && !signal?.aborted; attempt++) {
    const current = new Try(reactor, options, output, job, attempt, congestion);
    reactor.connectTCP(options.host, options.port, new SeedClientFactory(current), {
      timeoutMs: options.connectTimeout * 1000,
    });
    const onAbort = (): void => current.stop();
    signal?.addEventListener("abort", onAbort, { once: true });
    const unsubscribe = congestion?.onCongestion((held) => current.hold(held));
    await run(reactor);
    unsubscribe?.();
    signal?.removeEventListener("abort", onAbort);
    ran++;
    if (!current.ok) failed++;
    output.tryEnded({ attempt, ok: current.ok, triesLeft: options.tries - attempt });
  }
  output.done(ran, failed);
  return { tries: ran, failed, interrupted: signal?.aborted === true };
}

/** The stable code of an error (lr's `code`, else the system's errno code). */
export function errorCode(error: Error): string {
  const errno = systemCode(error);
  if (error instanceof LrError) return error.code;
  return errno ?? "ERR_UNKNOWN";
}

function systemCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    const inner = e instanceof AggregateError ? e.errors[0] : undefined;
    e = (e as Error).cause ?? inner;
  }
  return undefined;
}

/** `ECONNREFUSED (Connection was refused by localhost:9000)`: the system's code first, then lr's words. */
export function describeConnectError(error: Error): string {
  const message = error.message.replace(/\.$/, "");
  const errno = systemCode(error);
  return errno === undefined ? message : `${errno} (${message})`;
}
