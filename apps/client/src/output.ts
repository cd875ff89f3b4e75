import { escapeString, escapeText } from "@lr/cli-kit";
import { CLEAR_LINE, renderProgress } from "./progress.js";

/** Where formatted output goes (`process.stdout.write` in the app, an array in tests). */
export type Sink = (chunk: string) => void;

/** The client's report of one try. */
export interface TryOutcome {
  /** 1-based number of the try. */
  readonly attempt: number;
  /** Connected, and the message was sent while still connected. */
  readonly ok: boolean;
  /** Tries still to run after this one. */
  readonly triesLeft: number;
}

/** The events `lr-client` reports, in the order they happen. */
export interface ClientOutput {
  /** `true` when the caller should feed {@link ClientOutput.progress} ticks. */
  readonly showsProgress: boolean;
  connected(attempt: number): void;
  jobStarted(attempt: number, seconds: number): void;
  /** A progress tick while the job runs (only drawn when {@link ClientOutput.showsProgress}). */
  progress(elapsedMs: number, expectedMs: number): void;
  jobFinished(attempt: number, elapsedMs: number): void;
  jobFailed(attempt: number, message: string): void;
  sent(attempt: number, data: string): void;
  /** A line from the server: bytes as received (or text), printed safely in text mode. */
  received(attempt: number, line: Uint8Array | string): void;
  lost(attempt: number, reason: string): void;
  connectFailed(attempt: number, reason: string, code: string): void;
  tryEnded(outcome: TryOutcome): void;
  done(tries: number, failed: number): void;
}

/**
 * Whether the progress display is drawn: only on a terminal that can redraw a line in place (not
 * with `TERM=dumb`), and never in `--json` mode.
 *
 * @example
 * ```ts
 * wantsProgress({ json: false, isTTY: process.stdout.isTTY === true, term: process.env.TERM });
 * ```
 */
export function wantsProgress(options: {
  readonly json: boolean;
  readonly isTTY: boolean;
  readonly term: string | undefined;
}): boolean {
  return !options.json && options.isTTY && options.term !== "dumb";
}

/** Options of {@link createClientOutput}. */
export interface ClientOutputOptions {
  /** NDJSON events. */
  readonly json: boolean;
  /** stdout is a terminal (and not `TERM=dumb`): draw the progress display (text mode only). */
  readonly tty: boolean;
  /** The terminal's width now (default 80); read at every frame, so a resize is followed. */
  readonly columns?: (() => number) | undefined;
}

class TextOutput implements ClientOutput {
  readonly showsProgress: boolean;
  #progressShown = false;
  #frame = 0;

  constructor(
    private readonly sink: Sink,
    tty: boolean,
    private readonly columns: () => number = () => 80,
  ) {
    this.showsProgress = tty;
  }

  #line(text: string): void {
    // A line printed while the bar is up replaces it; the next tick draws the bar again below.
    this.sink(this.#progressShown ? `${CLEAR_LINE}${text}\n` : `${text}\n`);
    this.#progressShown = false;
  }

  connected(): void {
    this.#line("client connected!");
  }
  jobStarted(): void {
    this.#line("running process");
  }
  progress(elapsedMs: number, expectedMs: number): void {
    if (!this.showsProgress) return;
    const frame = renderProgress(elapsedMs, expectedMs, this.#frame++, this.columns());
    this.sink(`${CLEAR_LINE}${frame}`);
    this.#progressShown = true;
  }
  jobFinished(): void {
    this.#line("process finished!");
  }
  jobFailed(_attempt: number, message: string): void {
    this.#line(`process failed: ${message}`);
  }
  sent(): void {}
  received(_attempt: number, line: Uint8Array | string): void {
    const safe = typeof line === "string" ? escapeString(line) : escapeText(line);
    this.#line(`Received data: ${safe}`);
  }
  lost(): void {
    this.#line("Connection lost");
  }
  connectFailed(_attempt: number, reason: string): void {
    this.#line(`connection failed: ${escapeString(reason)}`);
  }
  tryEnded(outcome: TryOutcome): void {
    this.#line(`tries ${outcome.triesLeft}`);
  }
  done(): void {
    if (this.#progressShown) this.#line("");
  }
}

class JsonOutput implements ClientOutput {
  readonly showsProgress = false;
  constructor(private readonly sink: Sink) {}

  #event(event: Record<string, unknown>): void {
    this.sink(`${JSON.stringify(event)}\n`);
  }

  connected(attempt: number): void {
    this.#event({ event: "connected", try: attempt });
  }
  jobStarted(attempt: number, seconds: number): void {
    this.#event({ event: "job-started", try: attempt, seconds });
  }
  progress(): void {}
  jobFinished(attempt: number, elapsedMs: number): void {
    this.#event({ event: "job-finished", try: attempt, elapsedMs: Math.round(elapsedMs) });
  }
  jobFailed(attempt: number, message: string): void {
    this.#event({ event: "job-failed", try: attempt, reason: message });
  }
  sent(attempt: number, data: string): void {
    this.#event({ event: "sent", try: attempt, data });
  }
  received(attempt: number, line: Uint8Array | string): void {
    const data =
      typeof line === "string"
        ? line
        : (Buffer.isBuffer(line)
            ? line
            : Buffer.from(line.buffer, line.byteOffset, line.byteLength)
          ).toString("utf8");
    this.#event({ event: "line", try: attempt, data });
  }
  lost(attempt: number, reason: string): void {
    this.#event({ event: "lost", try: attempt, reason });
  }
  connectFailed(attempt: number, reason: string, code: string): void {
    this.#event({ event: "connect-failed", try: attempt, reason, code });
  }
  tryEnded(outcome: TryOutcome): void {
    this.#event({
      event: "try",
      try: outcome.attempt,
      ok: outcome.ok,
      triesLeft: outcome.triesLeft,
    });
  }
  done(tries: number, failed: number): void {
    this.#event({ event: "done", tries, failed });
  }
}

/**
 * Creates the client's output: seed-faithful text (with a progress display in a terminal) or NDJSON.
 *
 * @example
 * ```ts
 * const out = createClientOutput({ json: false, tty: process.stdout.isTTY === true }, (s) => process.stdout.write(s));
 * out.connected(1); // "client connected!"
 * ```
 */
export function createClientOutput(options: ClientOutputOptions, sink: Sink): ClientOutput {
  return options.json ? new JsonOutput(sink) : new TextOutput(sink, options.tty, options.columns);
}
