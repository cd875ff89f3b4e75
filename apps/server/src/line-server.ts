/**
 * The server's protocol classes and their factory, free of process concerns (no stdout, no
 * signals): the simulation and unit tests drive them on memory transports.
 */
import { BytesLineReceiver } from "@lr/line-protocol";
import type { Address, ProtocolLike, ReactorTime } from "@lr/reactor";
import { formatAddress, IdleTimeout, LrError, ServerFactory } from "@lr/reactor";
import type { Delimiter } from "./cli.js";
import type { LineRecord, ServerOutput, ServerTotals } from "./output.js";
import { balancerOf } from "./proxy.js";

/** Options of a {@link LineServerFactory}. */
export interface LineServerOptions {
  /** Longest accepted line in bytes; a longer one drops its connection. */
  readonly maxLineLength: number;
  /** A line sent to each client once it connects (none when `undefined`). */
  readonly greet?: string | undefined;
  /** Nothing is reported per connection or line: lines are only counted (not even decoded). */
  readonly quiet?: boolean | undefined;
  /** Line ending (default `"crlf"`); with `"lf"` a CR just before the LF is dropped as well. */
  readonly delimiter?: Delimiter | undefined;
  /** Close a connection that sends nothing for this long, ms (`null`/absent: never). */
  readonly idleTimeoutMs?: number | null | undefined;
  /** Close a connection whose started line is not complete after this long, ms (`null`/absent: never). */
  readonly lineTimeoutMs?: number | null | undefined;
  /** The clock the timeouts run on (the reactor); required when a timeout is set. */
  readonly clock?: ReactorTime | undefined;
}

/** A long line waiting to be printed. */
interface PrintJob {
  readonly id: number;
  readonly chunks: Uint8Array[];
  next: number;
  readonly done: () => void;
}

/** Why the server itself closed a connection. */
export type CloseCause = "line-too-long" | "idle-timeout" | "line-timeout";

/** Connections the server closed, by cause (the limits at work). */
export type ClosedCounts = Record<CloseCause, number>;

const CRLF = Uint8Array.of(13, 10);
const LF = Uint8Array.of(10);
const EMPTY = new Uint8Array(0);

/**
 * The idle and line timeouts of one connection, on the library's {@link IdleTimeout}. The line
 * timer runs from the first byte of a line until the line is complete (the slowloris defence);
 * both are suspended while the server holds the connection for back-pressure, since a peer we do
 * not read from cannot be blamed for silence.
 */
class ConnectionTimers {
  readonly #idle: IdleTimeout | null;
  readonly #line: IdleTimeout | null;
  readonly #idleMs: number | null;
  readonly #lineMs: number | null;
  #partial = false;

  constructor(options: LineServerOptions, onTimeout: (cause: CloseCause) => void) {
    const clock = options.clock;
    this.#idleMs = options.idleTimeoutMs ?? null;
    this.#lineMs = options.lineTimeoutMs ?? null;
    this.#idle =
      clock && this.#idleMs !== null
        ? new IdleTimeout(clock, () => onTimeout("idle-timeout"))
        : null;
    this.#line =
      clock && this.#lineMs !== null
        ? new IdleTimeout(clock, () => onTimeout("line-timeout"))
        : null;
  }

  start(): void {
    this.#idle?.setTimeout(this.#idleMs);
  }

  /** A chunk arrived: restart the idle countdown; start, keep or end the line countdown. */
  onData(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#idle?.resetTimeout();
    // A chunk that ends with LF ends on a line boundary: nothing pending (a lone LF under CRLF
    // framing counts as progress too; the line length limit bounds such a line anyway).
    const completed = chunk.indexOf(10) !== -1;
    const partial = chunk[chunk.length - 1] !== 10;
    if (completed || !partial) this.#line?.cancel();
    this.#partial = partial;
    if (partial && this.#line && !this.#line.armed) this.#line.setTimeout(this.#lineMs);
  }

  suspend(): void {
    this.#idle?.cancel();
    this.#line?.cancel();
  }

  resume(): void {
    this.#idle?.setTimeout(this.#idleMs);
    if (this.#partial) this.#line?.setTimeout(this.#lineMs);
  }

  stop(): void {
    this.suspend();
  }
}

/** The reason text and code of a close the server caused. */
function describeCause(cause: CloseCause, options: LineServerOptions): [string, string] {
  switch (cause) {
    case "line-too-long":
      return [`LineTooLong: a line exceeded ${options.maxLineLength} bytes`, "ERR_LINE_TOO_LONG"];
    case "idle-timeout":
      return [
        `IdleTimeout: no data for ${(options.idleTimeoutMs ?? 0) / 1000} s`,
        "ERR_IDLE_TIMEOUT",
      ];
    case "line-timeout":
      return [
        `LineTimeout: a line was not complete after ${(options.lineTimeoutMs ?? 0) / 1000} s`,
        "ERR_LINE_TIMEOUT",
      ];
  }
}

/** With `--delimiter lf`, a line that ended with CRLF loses its CR as well. */
function withoutCR(line: Uint8Array, lf: boolean): Uint8Array {
  return lf && line.length > 0 && line[line.length - 1] === 13 ? line.subarray(0, -1) : line;
}

/**
 * Lines longer than this are not held by the line receiver (whose buffers grow by doubling and copy
 * the line once more when it completes): the protocol switches to raw mode and keeps the socket's
 * own chunks, so a huge line costs its size once.
 */
export const LONG_LINE = 64 * 1024;

/** What a long line scan found in a chunk. */
type LongScan =
  | { readonly done: false; readonly tooLong: boolean }
  | { readonly done: true; readonly tooLong: boolean; readonly rest: Uint8Array };

/**
 * A line past {@link LONG_LINE} bytes, fed chunk by chunk in raw mode until its delimiter: keeps the
 * chunks (or only counts them) and checks the real `--max-line-length`.
 */
class LongLine {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  constructor(
    private readonly crlf: boolean,
    private readonly maxLength: number,
    private readonly keep: boolean,
  ) {}

  #push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.length += bytes.length;
    if (this.keep) this.chunks.push(bytes);
    else this.chunks[0] = bytes.subarray(bytes.length - 1); // the last byte, for a split CRLF
  }

  #lastByte(): number {
    const last = this.chunks[this.chunks.length - 1];
    return last === undefined || last.length === 0 ? -1 : (last[last.length - 1] as number);
  }

  #dropLastByte(): void {
    const i = this.chunks.length - 1;
    const last = this.chunks[i] as Uint8Array;
    this.chunks[i] = last.subarray(0, last.length - 1);
    this.length--;
  }

  scan(data: Uint8Array): LongScan {
    if (this.crlf && data.length > 0 && data[0] === 10 && this.#lastByte() === 13) {
      this.#dropLastByte();
      return { done: true, tooLong: this.length > this.maxLength, rest: data.subarray(1) };
    }
    const at = Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(
      this.crlf ? CRLF : LF,
    );
    if (at === -1) {
      this.#push(data);
      const pending = this.crlf && this.#lastByte() === 13 ? 1 : 0;
      return { done: false, tooLong: this.length - pending > this.maxLength };
    }
    this.#push(data.subarray(0, at));
    const rest = data.subarray(at + (this.crlf ? 2 : 1));
    return { done: true, tooLong: this.length > this.maxLength, rest };
  }
}

/**
 * What both server protocols share: framing (CRLF or LF), the idle and line timeouts, and lines
 * longer than {@link LONG_LINE} taken in raw mode from the socket's own chunks (checked against
 * the real `--max-line-length`). Subclasses say what a line is worth.
 */
abstract class ServerReceiver extends BytesLineReceiver {
  declare factory: LineServerFactory;
  readonly #timers: ConnectionTimers;
  readonly #lf: boolean;
  #long: LongLine | null = null;
  /** Bytes after a long line's delimiter, decoded as lines once the raw call has returned. */
  #rest: Uint8Array | null = null;
  #resume = false;
  #depth = 0;
  /** Why the server closed the connection itself, if it did. */
  protected cause: CloseCause | null = null;
  /**
   * `--proxy-protocol`: the balancer's own connection (a health check). It is served (greeting,
   * timeouts) but neither reported nor counted: no connection, line or lost event.
   */
  protected healthCheck = false;

  constructor(server: LineServerFactory) {
    super();
    this.factory = server;
    this.MAX_LENGTH = Math.min(server.options.maxLineLength, LONG_LINE);
    this.#lf = server.options.delimiter === "lf";
    if (this.#lf) this.delimiter = LF;
    this.#timers = new ConnectionTimers(server.options, (cause) => this.closeFor(cause));
  }

  /** `true` with `--delimiter lf`. */
  protected get lf(): boolean {
    return this.#lf;
  }

  /** A line shorter than LONG_LINE (delimiter removed, and with `lf` a CR before it). */
  protected abstract line(line: Uint8Array): void;
  /** A long line is complete (`chunks`: its bytes, when they are kept). */
  protected abstract longLine(chunks: Uint8Array[]): void;
  /** Whether a long line's chunks are kept (to print them) or only counted. */
  protected abstract get keepsLongLines(): boolean;

  /** Marks a health check (see {@link ServerReceiver.healthCheck}) and takes it off the count. */
  protected takeHealthCheck(): void {
    this.healthCheck = true;
    this.factory.connections--;
  }

  override connectionMade(): void {
    const greet = this.factory.options.greet;
    if (greet !== undefined) this.sendLine(greet);
    this.#timers.start();
  }

  override dataReceived(data: Uint8Array): unknown {
    this.#timers.onData(data);
    this.#depth++;
    try {
      let result = super.dataReceived(data);
      // What a raw call left for line mode, and a resume asked for meanwhile, are handled here,
      // once the receiver is no longer inside its own delivery loop.
      for (;;) {
        const rest = this.#rest;
        if (rest !== null) {
          this.#rest = null;
          result = super.dataReceived(rest);
        } else if (this.#resume) {
          this.#resume = false;
          this.resumeProducing();
        } else break;
      }
      return result;
    } finally {
      this.#depth--;
      this.afterRead();
    }
  }

  /** Called at the end of every read (the printing server flushes its output). */
  protected afterRead(): void {}

  /** Resumes reading now, or once the current read is handled. */
  protected resumeSoon(): void {
    if (this.#depth > 0) this.#resume = true;
    else this.resumeProducing();
  }

  override lineReceived(line: Uint8Array): void {
    this.line(withoutCR(line, this.#lf));
  }

  override lineLengthExceeded(data: Uint8Array): unknown {
    const options = this.factory.options;
    if (options.maxLineLength > LONG_LINE && this.#long === null && this.cause === null) {
      // Not too long yet, only long: go on in raw mode with the socket's chunks.
      this.#long = new LongLine(!this.#lf, options.maxLineLength, this.keepsLongLines);
      this.setRawMode();
      return this.rawDataReceived(data);
    }
    // Twisted's answer, kept: drop the connection. Remember why, for the "lost" report.
    this.#tooLong();
    return super.lineLengthExceeded(data);
  }

  override rawDataReceived(data: Uint8Array): unknown {
    const long = this.#long;
    if (long === null) return undefined;
    const found = long.scan(data);
    if (found.tooLong) {
      this.#long = null;
      this.#tooLong();
      this.transport?.loseConnection();
      return undefined;
    }
    if (!found.done) return undefined;
    this.#long = null;
    const chunks = long.chunks;
    if (this.#lf) {
      const last = chunks[chunks.length - 1];
      if (last !== undefined) chunks[chunks.length - 1] = withoutCR(last, true);
    }
    this.setLineMode();
    this.#rest = found.rest;
    this.longLine(chunks);
    return undefined;
  }

  #tooLong(): void {
    if (this.cause !== null) return;
    this.cause = "line-too-long";
    this.factory.closed["line-too-long"]++;
  }

  /** Closes the connection for one of the server's own reasons (reported when it is lost). */
  closeFor(cause: CloseCause): void {
    if (this.cause === null) {
      this.cause = cause;
      this.factory.closed[cause]++;
    }
    this.transport?.loseConnection();
  }

  /** Back-pressure: stop reading; the timeouts wait too (a peer we do not read cannot be blamed). */
  protected suspendTimers(): void {
    this.#timers.suspend();
  }

  protected resumeTimers(): void {
    this.#timers.resume();
  }

  override connectionLost(reason: Error): void {
    this.#timers.stop();
    this.#long = null;
    super.connectionLost(reason);
  }
}

/**
 * The seed's `LineServer`: reports every connection, line and disconnection to the factory's
 * output. The output is flushed at the end of each callback, i.e. once per socket read. Lines are
 * kept as bytes: text output escapes them byte by byte, JSON output decodes them as UTF-8.
 */
export class LineServer extends ServerReceiver {
  /** Connection number, from 1, in accept order. */
  id = 0;
  /** A long line's record is being printed: stay paused until it is out. */
  #printing = false;

  protected get keepsLongLines(): boolean {
    return true;
  }

  override connectionMade(): void {
    const server = this.factory;
    const balancer = balancerOf(this.transport); // --proxy-protocol
    if (balancer?.check) {
      this.takeHealthCheck();
      super.connectionMade();
      return;
    }
    server.live.add(this);
    const peer = this.transport ? formatAddress(this.transport.getPeer()) : "unknown";
    server.output.connection(this.id, peer, balancer?.via);
    server.output.flush();
    super.connectionMade();
    if (server.held) this.holdForOutput();
  }

  protected override afterRead(): void {
    this.factory.output.flush();
  }

  protected line(line: Uint8Array): void {
    if (this.healthCheck) return;
    this.factory.lines++;
    this.factory.output.line(this.id, line);
  }

  protected longLine(chunks: Uint8Array[]): void {
    if (this.healthCheck) return;
    this.factory.lines++;
    // Nothing more from this connection until its line is printed; the rest waits in the decoder.
    this.#printing = true;
    this.pauseProducing();
    this.factory.printLong(this.id, chunks, () => {
      this.#printing = false;
      if (!this.factory.held) {
        this.resumeSoon();
        this.resumeTimers();
      }
    });
  }

  /** Back-pressure: stop reading (stdout is behind); timeouts wait too. */
  holdForOutput(): void {
    this.suspendTimers();
    this.pauseProducing();
  }

  /** Back-pressure over: read again. */
  releaseForOutput(): void {
    if (this.#printing) return;
    this.resumeSoon();
    this.resumeTimers();
  }

  override connectionLost(reason: Error): void {
    const server = this.factory;
    server.live.delete(this);
    super.connectionLost(reason);
    if (this.healthCheck) return;
    const cause = this.cause;
    const [text, code] =
      cause === null ? describeReason(reason) : describeCause(cause, server.options);
    server.output.lost(this.id, text, code);
    server.output.flush();
  }
}

/**
 * The `--quiet` variant: counts lines without decoding them and prints nothing per connection.
 * Same framing, limits, timeouts and greeting as {@link LineServer}; long lines are not kept.
 */
export class QuietLineServer extends ServerReceiver {
  protected get keepsLongLines(): boolean {
    return false;
  }

  override connectionMade(): void {
    if (balancerOf(this.transport)?.check) this.takeHealthCheck(); // --proxy-protocol
    super.connectionMade();
  }

  protected line(_line: Uint8Array): void {
    if (!this.healthCheck) this.factory.lines++;
  }

  protected longLine(_chunks: Uint8Array[]): void {
    if (!this.healthCheck) this.factory.lines++;
  }
}

/** One line describing why a connection closed, and the reason's stable code. */
export function describeReason(reason: Error): [text: string, code: string] {
  const code = reason instanceof LrError ? reason.code : "ERR_UNKNOWN";
  return [`${reason.name}: ${reason.message}`, code];
}

/**
 * Builds a {@link LineServer} per connection, keeps the totals of the summary, and holds every
 * connection (stops reading) while the output is congested.
 *
 * @example
 * ```ts
 * const factory = new LineServerFactory({ maxLineLength: 16384 }, output);
 * reactor.listenTCP(9000, factory, { host: "127.0.0.1" });
 * ```
 */
export class LineServerFactory extends ServerFactory {
  /** Connections accepted so far. */
  connections = 0;
  /** Complete lines received so far, on every connection. */
  lines = 0;
  /** Connections the server closed itself, by cause. */
  readonly closed: ClosedCounts = { "line-too-long": 0, "idle-timeout": 0, "line-timeout": 0 };
  /** Connections open now that print (not `--quiet` ones). */
  readonly live = new Set<LineServer>();
  #held = false;

  constructor(
    readonly options: LineServerOptions,
    readonly output: ServerOutput,
  ) {
    super();
  }

  /** `true` while connections are held for back-pressure. */
  get held(): boolean {
    return this.#held;
  }

  /** Holds (stops reading from) every printing connection, or releases them. */
  setHeld(held: boolean): void {
    if (this.#held === held) return;
    this.#held = held;
    if (!held) {
      this.#printJobs();
      if (this.#held) return; // the output filled up again
    }
    for (const protocol of [...this.live]) {
      if (held) protocol.holdForOutput();
      else protocol.releaseForOutput();
    }
  }

  readonly #jobs: PrintJob[] = [];
  #record: LineRecord | null = null;

  /**
   * Prints a long line piece by piece, one socket chunk at a time, pausing whenever the output is
   * congested (each chunk is let go once printed): its record is whole, nothing comes between the
   * pieces, and memory stays at about the line's size. `done` runs once it is out.
   */
  printLong(id: number, chunks: Uint8Array[], done: () => void): void {
    this.output.flush();
    this.#jobs.push({ id, chunks, next: 0, done });
    if (this.#jobs.length === 1) this.#printJobs();
  }

  #printJobs(): void {
    while (this.#jobs.length > 0 && !this.#held) {
      const job = this.#jobs[0] as PrintJob;
      if (this.#record === null) {
        this.#record = this.output.longLine(job.id);
        if (this.#record === null) job.next = job.chunks.length;
        else this.output.write(this.#record.head, true);
      }
      const record = this.#record;
      if (record !== null && job.next < job.chunks.length) {
        const chunk = job.chunks[job.next] as Uint8Array;
        job.chunks[job.next++] = EMPTY;
        this.output.write(record.piece(chunk), true);
        continue;
      }
      if (record !== null) this.output.write(record.end(), false);
      this.#record = null;
      this.#jobs.shift();
      this.output.endStream();
      job.done();
    }
  }

  override buildProtocol(_addr: Address): ProtocolLike {
    const id = ++this.connections;
    if (this.options.quiet) {
      return new QuietLineServer(this);
    }
    const protocol = new LineServer(this);
    protocol.id = id;
    return protocol;
  }

  /** The totals for the summary line. */
  totals(): ServerTotals {
    return { connections: this.connections, lines: this.lines };
  }
}
