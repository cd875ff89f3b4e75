import { createAppLogger, OutputStream, runMain, stderrLine, versionLine } from "@lr/cli-kit";
import { createReactor, type ReactorLike, runWithSignals } from "@lr/reactor";
import pkg from "../package.json" with { type: "json" };
import { CLIENT_HELP, parseClientArgs } from "./cli.js";
import { runClient } from "./client.js";
import { createClientOutput, wantsProgress } from "./output.js";

const PROGRAM = "lr-client";

async function main(argv: readonly string[]): Promise<number | undefined> {
  const command = parseClientArgs(argv);
  if (command.kind === "help") {
    process.stdout.write(CLIENT_HELP);
    return undefined;
  }
  if (command.kind === "version") {
    process.stdout.write(`${versionLine(PROGRAM, pkg.version)}\n`);
    return undefined;
  }
  const options = command.options;
  const stdout = new OutputStream(process.stdout);
  const tty = wantsProgress({
    json: options.json,
    isTTY: process.stdout.isTTY === true,
    term: process.env.TERM,
  });
  const output = createClientOutput(
    { json: options.json, tty, columns: () => process.stdout.columns ?? 80 },
    (chunk) => stdout.write(chunk),
  );
  const logger = createAppLogger(PROGRAM, (text) => process.stderr.write(text));
  const reactor = createReactor({
    logger,
    // One job at a time: one worker thread is all the client needs.
    threadPoolSize: 1,
  });
  // A signal stops the current try cleanly (runWithSignals) and runs no more tries; a second
  // one (or the graceful stop taking over 10 s) leaves at once.
  const interrupt = new AbortController();
  const runOnce = (r: ReactorLike): Promise<number> =>
    runWithSignals(r, {
      signals: ["SIGINT", "SIGTERM", "SIGHUP"],
      logger,
      setProcessExitCode: false,
      onStopRequest(request) {
        if (!request.immediate) {
          interrupt.abort();
          return;
        }
        stdout.discard();
        stderrLine(PROGRAM, `interrupted (${request.signal ?? "the stop took too long"})`);
        process.exit(130);
      },
    });
  // The job module is built next to this file (dist/job.js).
  const job = { module: new URL("./job.js", import.meta.url), exportName: "run" };
  const result = await runClient(reactor, options, output, job, interrupt.signal, stdout, runOnce);
  let code = 0;
  if (result.interrupted) {
    stderrLine(PROGRAM, `interrupted after ${result.tries} of ${options.tries} tries`);
    code = 130;
  } else if (result.failed > 0) {
    stderrLine(PROGRAM, `${result.failed} of ${result.tries} tries failed`);
    code = 1;
  }
  await stdout.drained();
  return code;
}

runMain(PROGRAM, main, process.argv.slice(2));
