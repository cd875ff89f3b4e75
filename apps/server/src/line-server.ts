import { BytesLineReceiver, LineReceiver } from "@lr/line-protocol";
import type { Address, ProtocolLike } from "@lr/reactor";
import { formatAddress, LrError, ServerFactory } from "@lr/reactor";
import type { ServerOutput, ServerTotals } from "./output.js";
import { balancerOf } from "./proxy.js";

/** Options of a {@link LineServerFactory}. */
export interface LineServerOptions {
  /** Longest accepted line in bytes; a longer one drops its connection. */
  readonly maxLineLength: number;
  /** A line sent to each client once it connects (none when `undefined`). */
  readonly greet?: string | undefined;
  /** Nothing is reported per connection or line: lines are only counted (not even decoded). */
  readonly quiet?: boolean | undefined;
}

/**
 * The seed's `LineServer`: reports every connection, line and disconnection to the factory's
 * output. The output is flushed at the end of each callback, i.e. once per socket read.
 */
export class LineServer extends LineReceiver {
  /** Connection number, from 1, in accept order. */
  id = 0;
  #overflow = false;
  /** A connection the balancer opened for itself (a health check): served, not reported. */
  #check = false;

  constructor(private readonly server: LineServerFactory) {
    super();
    this.MAX_LENGTH = server.options.maxLineLength;
  }

  override connectionMade(): void {
    const peer = this.transport ? formatAddress(this.transport.getPeer()) : "unknown";
    const balancer = balancerOf(this.transport); // --proxy-protocol
    if (balancer?.check) {
      this.#check = true;
      this.server.connections--;
    } else this.server.output.connection(this.id, peer, balancer?.via);
    this.server.output.flush();
    if (this.server.options.greet !== undefined) this.sendLine(this.server.options.greet);
  }

  override dataReceived(data: Uint8Array): unknown {
    try {
      return super.dataReceived(data);
    } finally {
      this.server.output.flush();
    }
  }

  override lineReceived(line: string): void {
    this.server.lines++;
    this.server.output.line(this.id, line);
  }

  override lineLengthExceeded(data: Uint8Array): unknown {
    // Twisted's answer, kept: drop the connection. Remember why, for the "lost" report.
    this.#overflow = true;
    return super.lineLengthExceeded(data);
  }

  override connectionLost(reason: Error): void {
    super.connectionLost(reason);
    if (this.#check) return;
    const [text, code] = this.#overflow
      ? [`LineTooLong: a line exceeded ${this.MAX_LENGTH} bytes`, "ERR_LINE_TOO_LONG"]
      : describeReason(reason);
    this.server.output.lost(this.id, text, code);
    this.server.output.flush();
  }
}

/**
 * The `--quiet` variant: counts lines without decoding them (lines stay bytes, no UTF-8 work) and
 * prints nothing per connection. Same framing, limits and greeting as {@link LineServer}.
 */
export class QuietLineServer extends BytesLineReceiver {
  // The factory is the only link to the server (no second field: thousands of these stay open).
  declare factory: LineServerFactory;

  constructor(server: LineServerFactory) {
    super();
    this.factory = server;
    this.MAX_LENGTH = server.options.maxLineLength;
  }

  override connectionMade(): void {
    if (balancerOf(this.transport)?.check) this.factory.connections--; // --proxy-protocol
    const greet = this.factory.options.greet;
    if (greet !== undefined) this.sendLine(greet);
  }

  override lineReceived(_line: Uint8Array): void {
    this.factory.lines++;
  }
}

/** One line describing why a connection closed, and the reason's stable code. */
export function describeReason(reason: Error): [text: string, code: string] {
  const code = reason instanceof LrError ? reason.code : "ERR_UNKNOWN";
  return [`${reason.name}: ${reason.message}`, code];
}

/**
 * Builds a {@link LineServer} per connection and keeps the totals of the summary.
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

  constructor(
    readonly options: LineServerOptions,
    readonly output: ServerOutput,
  ) {
    super();
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
