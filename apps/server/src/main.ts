import cluster from "node:cluster";
import {
  createAppLogger,
  formatBytes,
  isLoopbackHost,
  OutputStream,
  openFilesLimit,
  RateLimitedLog,
  runMain,
  stderrLine,
  versionLine,
} from "@lr/cli-kit";
import { createReactor, type Logger } from "@lr/reactor";
import pkg from "../package.json" with { type: "json" };
import { parseServerArgs, SERVER_HELP, type ServerOptions } from "./cli.js";
import { finishWorker, runPrimary, WorkerChannel, workerReady } from "./cluster.js";
import { createServerOutput } from "./output.js";
import { runServer } from "./server.js";

const PROGRAM = "lr-server";
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function printError(line: string): void {
  stderrLine(PROGRAM, line);
}

/** Descriptors kept free for the listening socket, stdio, the IPC channel, DNS and the like. */
const RESERVED_DESCRIPTORS = 32;

/**
 * `--max-connections`, capped so that connections past what the descriptor limit allows are
 * refused by the limit (one rate-limited line) rather than failing accept() with EMFILE. Says so
 * on stderr when an explicit `--max-connections` is cut down.
 */
function effectiveOptions(options: ServerOptions, explicit: boolean): ServerOptions {
  const limit = openFilesLimit();
  if (limit === null) return options;
  const room = Math.max(1, limit - RESERVED_DESCRIPTORS);
  if (options.maxConnections <= room) return options;
  if (explicit && cluster.isPrimary) {
    printError(
      `--max-connections ${options.maxConnections} is more than the descriptor limit allows (ulimit -n ${limit}): at most ${room} connections at once`,
    );
  }
  return { ...options, maxConnections: room };
}

/** Refused connections (over a limit): one stderr line per burst, then how many more. */
function refusalLog(options: ServerOptions): Logger {
  const log = new RateLimitedLog(printError);
  const limit = openFilesLimit();
  const why =
    limit !== null && options.maxConnections === limit - RESERVED_DESCRIPTORS
      ? ` (the limit follows from the descriptor limit, ulimit -n ${limit})`
      : "";
  return {
    emit(event) {
      log.log("refused", `${event.message.replace(/^Refusing/, "refused")}${why}`, (n) => {
        return `refused ${n} more connection${n === 1 ? "" : "s"} in the last second (--max-connections / --max-connections-per-peer)${why}`;
      });
    },
  };
}

/**
 * The bounded stop: from the first signal, `--shutdown-timeout` seconds at most, whatever stdout
 * does. Past it (or on a signal once the reactor has stopped), output still queued is dropped,
 * with one line on stderr saying how much, and the process exits with status 1.
 */
class Stopper {
  #deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly stdout: OutputStream,
    private readonly options: ServerOptions,
    private readonly beforeExit: () => void = () => {},
  ) {}

  exitNow(why: string): never {
    this.beforeExit();
    const dropped = this.stdout.discard();
    printError(
      dropped > 0 ? `${why}: dropped ${formatBytes(dropped)} of output not yet written` : why,
    );
    process.exit(1);
  }

  /** Arms the deadline (the stop began). */
  stopping(): void {
    if (this.#deadline) return;
    const s = this.options.shutdownTimeout;
    this.#deadline = setTimeout(
      () => this.exitNow(`the stop took longer than --shutdown-timeout ${s} s`),
      s * 1000,
    );
    this.#deadline.unref();
  }

  /** The reactor stopped: keep signals ours while stdout drains, then exit with `code`. */
  async finish(code: number): Promise<number> {
    const onSignal = (signal: NodeJS.Signals): void => this.exitNow(`received ${signal} again`);
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    await this.stdout.drained();
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    clearTimeout(this.#deadline);
    return code;
  }
}

async function main(argv: readonly string[]): Promise<number | undefined> {
  const command = parseServerArgs(argv);
  if (command.kind === "help") {
    process.stdout.write(SERVER_HELP);
    return undefined;
  }
  if (command.kind === "version") {
    process.stdout.write(`${versionLine(PROGRAM, pkg.version)}\n`);
    return undefined;
  }
  const options = effectiveOptions(
    command.options,
    argv.some((a) => a.startsWith("--max-connections")),
  );
  const logger = createAppLogger(PROGRAM, (text) => process.stderr.write(text));

  if (cluster.isWorker) {
    const channel = new WorkerChannel();
    const worker = cluster.worker?.id;
    const output = createServerOutput({ ...options, worker }, channel.sink);
    const reactor = createReactor({ logger });
    const running = runServer(
      reactor,
      options,
      output,
      channel.host(refusalLog(options), logger),
      false,
    );
    workerReady(channel);
    const timer = setInterval(() => channel.schedule(), 100);
    timer.unref();
    const run = await running;
    clearInterval(timer);
    finishWorker(channel, run);
    return undefined;
  }

  if (!isLoopbackHost(options.host)) {
    printError(
      `warning: listening on ${options.host}, not a loopback address: anyone who can reach this host can connect`,
    );
  }
  const stdout = new OutputStream(process.stdout);
  const output = createServerOutput(options, (chunk) => stdout.write(chunk));

  if (options.workers > 1) {
    const reactor = createReactor({ logger });
    let kill = (): void => {};
    const stopper = new Stopper(stdout, options, () => kill());
    const run = await runPrimary(reactor, options, output, stdout, {
      error: printError,
      onStopping: () => stopper.stopping(),
      logger,
    });
    kill = run.killWorkers;
    if (run.forced) stopper.exitNow("stopped at once");
    return stopper.finish(run.exitCode);
  }

  const reactor = createReactor({ logger });
  const stopper = new Stopper(stdout, options);
  const run = await runServer(reactor, options, output, {
    error: printError,
    signals: STOP_SIGNALS,
    refusals: refusalLog(options),
    onStopping: () => stopper.stopping(),
    onCongestion: (listener) => stdout.onCongestion(listener),
  });
  if (run.forced) stopper.exitNow("stopped at once");
  return stopper.finish(run.exitCode);
}

runMain(PROGRAM, main, process.argv.slice(2));
