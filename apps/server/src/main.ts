import cluster from "node:cluster";
import { writeSync } from "node:fs";
import { createReactor } from "@lr/reactor";
import pkg from "../package.json" with { type: "json" };
import { parseServerArgs, SERVER_HELP, UsageError } from "./cli.js";
import { reportWorkerRun, runPrimary, workerHost } from "./cluster.js";
import { createAppLogger } from "./logger.js";
import { createServerOutput } from "./output.js";
import { runServer, type ServerHost } from "./server.js";

const PROGRAM = "lr-server";

function printError(line: string): void {
  process.stderr.write(`${PROGRAM}: ${line}\n`);
}

/** stdout closed under us (`| head`): stop printing, keep serving, no stack trace. */
function stdoutSink(): (chunk: string) => void {
  let open = true;
  process.stdout.on("error", () => {
    open = false;
  });
  // Cluster workers share the primary's stdout: a write of more than PIPE_BUF bytes to a pipe can
  // interleave with another worker's and break lines (seen as invalid NDJSON by the @lr/load fault
  // suite). Writes of whole lines, at most PIPE_BUF bytes each, are atomic.
  if (cluster.isWorker) {
    return (chunk) => {
      if (open) writeWholeLines(Buffer.from(chunk, "utf8"));
    };
  }
  return (chunk) => {
    if (open) process.stdout.write(chunk);
  };
}

const PIPE_BUF = 4096;

/** Writes `buf` in pieces that end on a line break and are at most PIPE_BUF bytes (unless one line is longer). */
function writeWholeLines(buf: Buffer): void {
  let start = 0;
  while (start < buf.length) {
    let end = buf.length;
    if (end - start > PIPE_BUF) {
      const nl = buf.lastIndexOf(10, start + PIPE_BUF - 1);
      end = nl >= start ? nl + 1 : buf.indexOf(10, start) + 1 || buf.length;
    }
    writeAll(buf.subarray(start, end));
    start = end;
  }
}

/** One write(2) per piece (a stream would merge queued pieces into one writev); waits out EAGAIN. */
function writeAll(piece: Buffer): void {
  let off = 0;
  while (off < piece.length) {
    try {
      off += writeSync(1, piece, off);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(WAIT, 0, 0, 1); // the pipe is full: the reader catches up within a millisecond or so
    }
  }
}

const WAIT = new Int32Array(new SharedArrayBuffer(4));

function signalHost(): ServerHost {
  return {
    error: printError,
    onStopRequest(handler) {
      let count = 0;
      const onSignal = (): void => handler(++count);
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      return () => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      };
    },
  };
}

async function main(argv: readonly string[]): Promise<void> {
  let command: ReturnType<typeof parseServerArgs>;
  try {
    command = parseServerArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    printError(error.message);
    process.exitCode = 2;
    return;
  }
  if (command.kind === "help") {
    process.stdout.write(SERVER_HELP);
    return;
  }
  if (command.kind === "version") {
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  const options = command.options;
  const sink = stdoutSink();
  const logger = createAppLogger(PROGRAM, (text) => process.stderr.write(text));

  if (cluster.isPrimary && options.workers > 1) {
    const output = createServerOutput(options, sink);
    process.exitCode = await runPrimary(options, output, signalHost());
    return;
  }

  const worker = cluster.isWorker ? cluster.worker?.id : undefined;
  const output = createServerOutput({ ...options, worker }, sink);
  const reactor = createReactor({ logger });
  if (worker !== undefined) {
    reportWorkerRun(await runServer(reactor, options, output, workerHost(), false));
    return;
  }
  const run = await runServer(reactor, options, output, signalHost());
  // A second signal cut the graceful stop short: leave now.
  if (run.exitCode !== 0 && reactor.state !== "stopped") process.exit(run.exitCode);
  process.exitCode = run.exitCode;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  printError(`internal error: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.LR_DEBUG === "1" && error instanceof Error)
    process.stderr.write(`${error.stack}\n`);
  process.exit(70);
});
