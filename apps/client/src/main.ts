import { createReactor } from "@lr/reactor";
import pkg from "../package.json" with { type: "json" };
import { CLIENT_HELP, parseClientArgs, UsageError } from "./cli.js";
import { runClient } from "./client.js";
import { createAppLogger } from "./logger.js";
import { createClientOutput } from "./output.js";

const PROGRAM = "lr-client";

function printError(line: string): void {
  process.stderr.write(`${PROGRAM}: ${line}\n`);
}

async function main(argv: readonly string[]): Promise<void> {
  let command: ReturnType<typeof parseClientArgs>;
  try {
    command = parseClientArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    printError(error.message);
    process.exitCode = 2;
    return;
  }
  if (command.kind === "help") {
    process.stdout.write(CLIENT_HELP);
    return;
  }
  if (command.kind === "version") {
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  const options = command.options;
  let stdoutOpen = true;
  process.stdout.on("error", () => {
    stdoutOpen = false;
  });
  const output = createClientOutput(
    { json: options.json, tty: process.stdout.isTTY === true },
    (chunk) => {
      if (stdoutOpen) process.stdout.write(chunk);
    },
  );
  const reactor = createReactor({
    logger: createAppLogger(PROGRAM, (text) => process.stderr.write(text)),
    // One job at a time: one worker thread is all the client needs.
    threadPoolSize: 1,
  });
  // Ctrl-C: finish the current try's stop cleanly and run no more tries; a second one leaves now.
  const interrupt = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals === 1) interrupt.abort();
    else process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // The job module is built next to this file (dist/job.js).
  const job = { module: new URL("./job.js", import.meta.url), exportName: "run" };
  const result = await runClient(reactor, options, output, job, interrupt.signal);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  if (result.interrupted) {
    printError(`interrupted after ${result.tries} of ${options.tries} tries`);
    process.exitCode = 130;
  } else if (result.failed > 0) {
    printError(`${result.failed} of ${result.tries} tries failed`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  printError(`internal error: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.LR_DEBUG === "1" && error instanceof Error)
    process.stderr.write(`${error.stack}\n`);
  process.exit(70);
});
