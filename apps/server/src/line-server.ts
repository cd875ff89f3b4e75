/**
 * The server's protocol classes and their factory, free of process concerns (no stdout, no
 * signals): the simulation and unit tests drive them on memory transports.
 */
import { BytesLineReceiver } from "@lr/line-protocol";
import type { Address, ProtocolLike, ReactorTime } from "@lr/reactor";
import { formatAddress, IdleTimeout, LrError, ServerFactory } from "@lr/reactor";
import type { Delimiter } from "./cli.js";
import type { ServerOutput, ServerTotals } from "./output.js";

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

/** Why the server itself closed a connection. */
export type CloseCause = "line-too-long" | "idle-timeout" | "line-timeout";

/** Connections the server closed, by cause (the limits at work). */
export type ClosedCounts = Record<CloseCause, number>;

const CRLF = Uint8Array.of(13, 10);
const LF = Uint8Array.of(10);

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
 * The seed's `LineServer`: reports every connection, line and disconnection to the factory's
 * output. The output is flushed at the end of each callback, i.e. once per socket read. Lines are
 * kept as bytes: text output escapes them byte by byte, JSON output decodes them as UTF-8.
 */
export class LineServer extends BytesLineReceiver {
  /** Connection number, from 1, in accept order. */
  id = 0;
  #cause: CloseCause | null = null;
  readonly #timers: ConnectionTimers;
  readonly #lf: boolean;

  constructor(private readonly server: LineServerFactory) {
    super();
    this.MAX_LENGTH = server.options.maxLineLength;
    this.#lf = server.options.delimiter === "lf";
    this.delimiter = this.#lf ? LF : CRLF;
    this.#timers = new ConnectionTimers(server.options, (cause) => this.closeFor(cause));
  }

  override connectionMade(): void {
    const server = this.server;
    server.live.add(this);
    const peer = this.transport ? formatAddress(this.transport.getPeer()) : "unknown";
    server.output.connection(this.id, peer);
    server.output.flush();
    if (server.options.greet !== undefined) this.sendLine(server.options.greet);
    this.#timers.start();
    if (server.held) this.hold();
  }

  override dataReceived(data: Uint8Array): unknown {
    this.#timers.onData(data);
    try {
      return super.dataReceived(data);
    } finally {
      this.server.output.flush();
    }
  }

  override lineReceived(line: Uint8Array): void {
    this.server.lines++;
    this.server.output.line(this.id, withoutCR(line, this.#lf));
  }

  override lineLengthExceeded(data: Uint8Array): unknown {
    // Twisted's answer, kept: drop the connection. Remember why, for the "lost" report.
    this.#cause ??= "line-too-long";
    return super.lineLengthExceeded(data);
  }

  /** Closes the connection for one of the server's own reasons (reported when it is lost). */
  closeFor(cause: CloseCause): void {
    this.#cause ??= cause;
    this.transport?.loseConnection();
  }

  /** Back-pressure: stop reading (stdout is behind); timeouts wait too. */
  hold(): void {
    this.#timers.suspend();
    this.pauseProducing();
  }

  /** Back-pressure over: read again. */
  release(): void {
    this.resumeProducing();
    this.#timers.resume();
  }

  override connectionLost(reason: Error): void {
    this.server.live.delete(this);
    this.#timers.stop();
    super.connectionLost(reason);
    const cause = this.#cause;
    if (cause !== null) this.server.closed[cause]++;
    const [text, code] =
      cause === null ? describeReason(reason) : describeCause(cause, this.server.options);
    this.server.output.lost(this.id, text, code);
    this.server.output.flush();
  }
}

/**
 * The `--quiet` variant: counts lines without decoding them and prints nothing per connection.
 * Same framing, limits, timeouts and greeting as {@link LineServer}.
 */
export class QuietLineServer extends BytesLineReceiver {
  // The factory is the link to the server (thousands of these stay open: few fields).
  declare factory: LineServerFactory;
  readonly #timers: ConnectionTimers;

  constructor(server: LineServerFactory) {
    super();
    this.factory = server;
    this.MAX_LENGTH = server.options.maxLineLength;
    if (server.options.delimiter === "lf") this.delimiter = LF;
    this.#timers = new ConnectionTimers(server.options, (cause) => {
      server.closed[cause]++;
      this.transport?.loseConnection();
    });
  }

  override connectionMade(): void {
    const greet = this.factory.options.greet;
    if (greet !== undefined) this.sendLine(greet);
    this.#timers.start();
  }

  override dataReceived(data: Uint8Array): unknown {
    this.#timers.onData(data);
    return super.dataReceived(data);
  }

  override lineReceived(_line: Uint8Array): void {
    this.factory.lines++;
  }

  override lineLengthExceeded(data: Uint8Array): unknown {
    this.factory.closed["line-too-long"]++;
    return super.lineLengthExceeded(data);
  }

  override connectionLost(reason: Error): void {
    this.#timers.stop();
    super.connectionLost(reason);
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
    for (const protocol of [...this.live]) {
      if (held) protocol.hold();
      else protocol.release();
    }
  }

  override buildProtocol(_addr: Address): ProtocolLike {
    const id = ++this.connections;
    if (this.options.quiet) {
      return new QuietLineServer(this);
    }
    const protocol = new LineServer(this);
    protocol.factory = this;
    protocol.id = id;
    return protocol;
  }

  /** The totals for the summary line. */
  totals(): ServerTotals {
    return { connections: this.connections, lines: this.lines };
  }
}
