import cluster, { type Worker } from "node:cluster";
import type { Logger, ReactorLike, ServiceLike } from "@lr/reactor";
import { ReactorNotRunning, runWithSignals } from "@lr/reactor";
import type { ServerOptions } from "./cli.js";
import type { ServerOutput } from "./output.js";
import type { ServerHost, ServerRun } from "./server.js";

/**
 * `--workers N`: N processes, each running its own reactor, share one listening port through
 * node:cluster. The primary is the only process that writes to stdout: workers format their
 * events and send them over IPC, whole lines per message, so output never interleaves whatever
 * the line size. Flow control is by credit: a worker holds its connections (stops reading) while
 * more than {@link WORKER_CREDIT} bytes it sent are not yet acknowledged; the primary acknowledges
 * a message once its stdout is not congested. The primary also counts lines and connections from
 * those messages, so the summary includes the lines of a worker that died.
 *
 * Stopping: the primary runs `runWithSignals` (SIGINT/SIGTERM/SIGHUP) on a reactor of its own
 * with the worker pool as its service; it asks each worker to stop with SIGUSR2 (a second
 * SIGUSR2 stops it at once), which each worker hands to its own `runWithSignals`. Workers ignore
 * SIGINT/SIGTERM/SIGHUP (a Ctrl-C reaches the whole process group: the primary relays it once).
 * A worker that dies unexpectedly is replaced after a backoff; {@link MAX_DEATHS} deaths within
 * {@link DEATH_WINDOW_MS} stop the primary with exit status 1.
 */

/** Unacknowledged output bytes past which a worker stops reading from its connections. */
export const WORKER_CREDIT = 1024 * 1024;
/** Deaths within {@link DEATH_WINDOW_MS} that make the primary give up. */
export const MAX_DEATHS = 5;
/** The window of {@link MAX_DEATHS}, ms. */
export const DEATH_WINDOW_MS = 60_000;
/** First replacement delay, ms; doubles with each recent death, up to {@link MAX_BACKOFF_MS}. */
export const FIRST_BACKOFF_MS = 100;
/** Longest replacement delay, ms. */
export const MAX_BACKOFF_MS = 5_000;
/** The signal the primary sends a worker to stop it (twice: at once). */
export const WORKER_STOP_SIGNAL: NodeJS.Signals = "SIGUSR2";

/** Worker → primary. */
export type WorkerMessage =
  | { readonly type: "lr:ready" }
  | { readonly type: "lr:listening"; readonly host: string; readonly port: number }
  | { readonly type: "lr:error"; readonly message: string }
  | {
      readonly type: "lr:out";
      readonly text: string;
      readonly lines: number;
      readonly connections: number;
      /** The text ends inside a record: the primary prints only this worker's output until its end. */
      readonly more: boolean;
    };

/** Primary → worker. */
export type PrimaryMessage = { readonly type: "lr:ack"; readonly bytes: number };

function isMessage<T extends { type: string }>(value: unknown): value is T {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { type?: unknown }).type === "string" &&
    (value as { type: string }).type.startsWith("lr:")
  );
}

/** The primary's view of stdout. */
export interface PrimaryStdout {
  write(chunk: string): void;
  readonly congested: boolean;
  onCongestion(listener: (congested: boolean) => void): () => void;
}

/** Process hooks of the primary. */
export interface PrimaryHost {
  error(line: string): void;
  /** Called when the stop begins (first signal, or the pool giving up). */
  onStopping(): void;
  readonly logger?: Logger;
}

/** Outcome of {@link runPrimary}. */
export interface PrimaryRun {
  readonly exitCode: number;
  readonly forced: boolean;
  /** Kills every worker still alive (before a forced exit). */
  killWorkers(): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  listening: boolean;
  stopRequests: number;
  exited: boolean;
  disconnected: boolean;
  /** Acks held back while stdout is congested. */
  owed: number;
}

/** The worker processes as a service of the primary's reactor. */
class WorkerPool implements ServiceLike {
  readonly name = "workers";
  running = false;
  connections = 0;
  lines = 0;
  failed = false;
  listeningAnnounced = false;
  readonly #slots = new Map<number, Slot>();
  readonly #deaths: number[] = [];
  #stopping = false;
  #stopped: (() => void) | null = null;
  #pendingForks = 0;

  constructor(
    private readonly reactor: ReactorLike,
    private readonly options: ServerOptions,
    private readonly output: ServerOutput,
    private readonly stdout: PrimaryStdout,
    private readonly host: PrimaryHost,
  ) {
    stdout.onCongestion((congested) => {
      if (!congested) for (const slot of this.#slots.values()) this.#payDebt(slot);
    });
  }

  startService(): void {
    this.running = true;
    // Workers print nothing themselves. Not inheriting stdout matters: libuv makes a child's
    // stdio descriptors blocking, which would flip the primary's shared stdout to blocking too,
    // and then one write to a pipe nobody reads would freeze the primary (signals included).
    cluster.setupPrimary({ stdio: ["ignore", "ignore", "inherit", "ipc"] });
    for (let i = 0; i < this.options.workers; i++) this.#fork();
  }

  stopService(): Promise<void> {
    this.running = false;
    this.#stopping = true;
    for (const slot of this.#slots.values()) this.#requestStop(slot);
    return this.#slots.size === 0 && this.#pendingForks === 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          this.#stopped = resolve;
        });
  }

  /** Stops every worker at once (a second signal or the shutdown timeout). */
  force(): void {
    for (const slot of this.#slots.values()) {
      slot.stopRequests = Math.max(slot.stopRequests, 1);
      this.#requestStop(slot);
    }
  }

  kill(): void {
    for (const slot of this.#slots.values()) if (!slot.exited) slot.worker.process.kill("SIGKILL");
  }

  #fork(): void {
    const worker = cluster.fork();
    const slot: Slot = {
      worker,
      ready: false,
      listening: false,
      stopRequests: 0,
      exited: false,
      disconnected: false,
      owed: 0,
    };
    this.#slots.set(worker.id, slot);
    worker.on("message", (message: unknown) => this.#onMessage(slot, message));
    worker.on("disconnect", () => {
      slot.disconnected = true;
      this.#maybeGone(slot);
    });
    worker.on("exit", (code, signal) => {
      slot.exited = true;
      this.#onExit(slot, code, signal);
      this.#maybeGone(slot);
    });
  }

  #requestStop(slot: Slot): void {
    if (!slot.ready || slot.exited) return; // asked again once it is ready
    if (slot.stopRequests >= 2) return;
    slot.stopRequests++;
    try {
      slot.worker.process.kill(WORKER_STOP_SIGNAL);
    } catch {
      // already gone
    }
  }

  #onMessage(slot: Slot, message: unknown): void {
    if (!isMessage<WorkerMessage>(message)) return;
    switch (message.type) {
      case "lr:ready":
        slot.ready = true;
        if (this.#stopping) {
          const wanted = slot.stopRequests;
          slot.stopRequests = 0;
          for (let i = 0; i < Math.max(1, wanted); i++) this.#requestStop(slot);
        }
        break;
      case "lr:listening":
        slot.listening = true;
        if (
          !this.listeningAnnounced &&
          !this.#stopping &&
          [...this.#slots.values()].filter((s) => s.listening).length >= this.options.workers
        ) {
          this.listeningAnnounced = true;
          this.output.listening(message.host, message.port);
          this.output.flush();
        }
        break;
      case "lr:error":
        // Every worker fails the same way (same port): report it once.
        if (!this.failed) this.host.error(message.message);
        this.failed = true;
        this.#giveUp();
        break;
      case "lr:out": {
        this.lines += message.lines;
        this.connections += message.connections;
        this.#queue.push([slot, message]);
        this.#pump();
        break;
      }
    }
  }

  /** The worker whose record is being printed piece by piece, if any. */
  #writer: Slot | null = null;
  /** Output in arrival order, not printed yet (bounded by the workers' credit). */
  readonly #queue: [Slot, Extract<WorkerMessage, { type: "lr:out" }>][] = [];

  /**
   * Prints queued output in arrival order, except that while a worker is in the middle of a record
   * only its own output is printed (the others' waits, in order): lines never interleave.
   */
  #pump(): void {
    for (;;) {
      const i = this.#writer === null ? 0 : this.#queue.findIndex(([s]) => s === this.#writer);
      if (i < 0 || i >= this.#queue.length) return;
      const [slot, message] = this.#queue.splice(i, 1)[0] as [
        Slot,
        Extract<WorkerMessage, { type: "lr:out" }>,
      ];
      if (message.text.length > 0) this.stdout.write(message.text);
      slot.owed += message.text.length;
      if (!this.stdout.congested) this.#payDebt(slot);
      this.#writer = message.more ? slot : null;
    }
  }

  #payDebt(slot: Slot): void {
    if (slot.owed === 0 || slot.disconnected) return;
    const bytes = slot.owed;
    slot.owed = 0;
    try {
      slot.worker.send({ type: "lr:ack", bytes } satisfies PrimaryMessage);
    } catch {
      // the worker is going away
    }
  }

  #onExit(slot: Slot, code: number | null, signal: string | null): void {
    if (this.#stopping) return;
    const now = this.reactor.now();
    this.#deaths.push(now);
    while (this.#deaths.length > 0 && (this.#deaths[0] as number) <= now - DEATH_WINDOW_MS)
      this.#deaths.shift();
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (this.#deaths.length >= MAX_DEATHS) {
      this.host.error(
        `worker ${slot.worker.id} died (${how}): ${this.#deaths.length} worker deaths within ${DEATH_WINDOW_MS / 1000} s, stopping`,
      );
      this.failed = true;
      this.#giveUp();
      return;
    }
    const delay = Math.min(FIRST_BACKOFF_MS * 2 ** (this.#deaths.length - 1), MAX_BACKOFF_MS);
    this.host.error(
      `worker ${slot.worker.id} died (${how}); the other workers go on, a new one starts in ${delay} ms`,
    );
    this.#pendingForks++;
    this.reactor.callLater(delay, () => {
      this.#pendingForks--;
      if (!this.#stopping) this.#fork();
      else this.#checkStopped();
    });
  }

  #maybeGone(slot: Slot): void {
    if (!slot.exited || !slot.disconnected) return;
    if (this.#writer === slot && !this.#queue.some(([s]) => s === slot)) {
      // Died in the middle of a record: end its line so that the next output starts on its own.
      this.stdout.write("\n");
      this.#writer = null;
      this.#pump();
    }
    this.#slots.delete(slot.worker.id);
    this.#checkStopped();
  }

  #checkStopped(): void {
    if (this.#slots.size === 0 && this.#pendingForks === 0 && this.#stopped) {
      const done = this.#stopped;
      this.#stopped = null;
      done();
    }
  }

  #giveUp(): void {
    if (this.#stopping) return;
    try {
      void this.reactor.stop();
    } catch (error) {
      if (!(error instanceof ReactorNotRunning)) throw error;
    }
  }
}

/**
 * Runs the cluster primary until every worker has exited (see the module notes); resolves with the
 * exit code: 0 after a clean stop, 1 when workers failed to listen or kept dying, or the stop had
 * to be forced.
 */
export async function runPrimary(
  reactor: ReactorLike,
  options: ServerOptions,
  output: ServerOutput,
  stdout: PrimaryStdout,
  host: PrimaryHost,
): Promise<PrimaryRun> {
  const pool = new WorkerPool(reactor, options, output, stdout, host);
  const trigger = reactor.addSystemEventTrigger("before", "shutdown", () => host.onStopping());
  const code = await runWithSignals(reactor, {
    services: [pool],
    signals: ["SIGINT", "SIGTERM", "SIGHUP"],
    shutdownTimeoutMs: options.shutdownTimeout * 1000,
    // Its own reports ("Received SIGTERM...") are not for the operator; the exit status tells.
    logger: { emit() {} },
    setProcessExitCode: false,
    // The stop turned immediate (second signal, or the bound): the workers stop at once too.
    onStopRequest: (request) => {
      if (request.immediate) pool.force();
    },
  });
  reactor.removeSystemEventTrigger(trigger);
  const forced = code !== 0;
  if (!forced) {
    output.stopped({ connections: pool.connections, lines: pool.lines });
    output.flush();
  }
  return {
    exitCode: forced || pool.failed ? 1 : 0,
    forced,
    killWorkers: () => pool.kill(),
  };
}

/** A cluster worker's link to the primary: output with credit, counts, and its host hooks. */
export class WorkerChannel {
  #text = "";
  #unacked = 0;
  #congested = false;
  #scheduled = false;
  /** The last text sunk was a piece of a record still being written (`partial`). */
  #inRecord = false;
  #reportedLines = 0;
  #reportedConnections = 0;
  #counts: () => { lines: number; connections: number } = () => ({ lines: 0, connections: 0 });
  readonly #listeners = new Set<(congested: boolean) => void>();

  constructor(readonly credit = WORKER_CREDIT) {
    process.on("message", (message: unknown) => {
      if (!isMessage<PrimaryMessage>(message) || message.type !== "lr:ack") return;
      this.#unacked -= message.bytes;
      if (this.#congested && this.#unacked <= this.credit / 4) this.#setCongested(false);
    });
  }

  /** Where the totals come from (the line server's factory). */
  countFrom(counts: () => { lines: number; connections: number }): void {
    this.#counts = counts;
  }

  /**
   * The output sink: text goes to the primary at the end of this event-loop turn; a piece of a
   * record still being written (`partial`) goes at once, marked so that the primary lets no other
   * worker's output in before the rest of it.
   */
  readonly sink = (chunk: string | Uint8Array, partial?: boolean): void => {
    // Byte pieces are plain ASCII (see LineRecord.piece): Latin-1 reads them as they are.
    this.#text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("latin1");
    this.#inRecord = partial === true;
    if (partial) this.flush();
    else if (this.#text.length > this.credit / 4) this.flush();
    else this.schedule();
  };

  /** Sends what is pending (text and count changes) at the end of this turn. */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.flush();
    });
  }

  /**
   * Sends pending text and counts now; `done` runs once the message is handed to the OS. While a
   * record is still being written the message says so (`more`), whoever flushes (the sink, the
   * end of a turn, the periodic count report): a count-only message in the middle of a record
   * must not let the primary print another worker's output inside it.
   */
  flush(done?: () => void): void {
    const more = this.#inRecord;
    const { lines, connections } = this.#counts();
    const text = this.#text;
    const dl = lines - this.#reportedLines;
    const dc = connections - this.#reportedConnections;
    if (text === "" && dl === 0 && dc === 0) {
      done?.();
      return;
    }
    this.#text = "";
    this.#reportedLines = lines;
    this.#reportedConnections = connections;
    this.#unacked += text.length;
    if (!this.#congested && this.#unacked > this.credit) this.#setCongested(true);
    this.send({ type: "lr:out", text, lines: dl, connections: dc, more }, done);
  }

  send(message: WorkerMessage, done?: () => void): void {
    if (!process.connected) {
      done?.();
      return;
    }
    process.send?.(message, undefined, undefined, () => done?.());
  }

  onCongestion(listener: (congested: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #setCongested(value: boolean): void {
    this.#congested = value;
    for (const l of [...this.#listeners]) l(value);
  }

  /** The {@link ServerHost} of this worker. */
  host(refusals: Logger, logger: Logger): ServerHost {
    return {
      error: (line) => this.send({ type: "lr:error", message: line }),
      signals: [WORKER_STOP_SIGNAL],
      refusals,
      logger,
      onStarted: (factory) =>
        this.countFrom(() => ({ lines: factory.lines, connections: factory.connections })),
      onListening: (host, port) => this.send({ type: "lr:listening", host, port }),
      onCongestion: (listener) => this.onCongestion(listener),
    };
  }
}

/** Worker start-up: ignore the group's signals (the primary relays them), tell the primary we are ready. */
export function workerReady(channel: WorkerChannel): void {
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, () => {});
  // The primary is gone: nobody prints, nobody stops us; leave.
  process.on("disconnect", () => process.exit(1));
  channel.send({ type: "lr:ready" });
}

/** Reports the worker's last counts to the primary, then exits with the run's status. */
export function finishWorker(channel: WorkerChannel, run: ServerRun): void {
  channel.flush(() => process.exit(run.exitCode));
}
