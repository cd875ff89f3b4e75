/**
 * What `lr-server` prints, in text (seed-faithful) or NDJSON form. Events are appended to one
 * buffer and written with a single `write` per {@link ServerOutput.flush}: the protocol flushes once
 * per socket read, so a read carrying a thousand lines costs one write, not a thousand, and the
 * order of events is the order they happened in.
 *
 * Text mode never lets a peer drive the terminal or forge output lines: line data goes through
 * `escapeText` (controls, ESC, C1, DEL, CR/LF inside a line and invalid UTF-8 become visible
 * escapes such as `\x1b`, `\n`, `\xff`). `--json` is byte-for-byte what it always was: the line
 * decoded as UTF-8, then JSON-escaped.
 */
import {
  escapeString,
  escapeText,
  formatHostPort,
  isPlainText,
  TextEscaper,
  Utf8Chunks,
} from "@lr/cli-kit";

/** Totals reported by the final summary. */
export interface ServerTotals {
  /** Connections accepted. */
  readonly connections: number;
  /** Complete lines received. */
  readonly lines: number;
}

/**
 * Where formatted output goes (`process.stdout.write` in the app, an array in tests). `partial` is
 * `true` for a piece of a record still being written (a huge line printed piece by piece): a
 * cluster worker must not let another worker's output in before the rest of it.
 */
export type Sink = (chunk: string | Uint8Array, partial?: boolean) => void;

/** One huge line's record, written piece by piece (see {@link ServerOutput.longLine}). */
export interface LineRecord {
  /** The start of the record (`in lineReceived\ndata => `, or `{"event":"line",...,"data":"`). */
  readonly head: string;
  /**
   * The printed form of the next piece of the line's bytes: the bytes themselves when they print
   * as they are (plain ASCII: no copy is made), else their escaped text.
   */
  piece(bytes: Uint8Array): string | Uint8Array;
  /** The end of the record. */
  end(): string;
}

/** The events `lr-server` reports. */
export interface ServerOutput {
  /** The port is bound; `host`/`port` are the real address (also for `--port 0`). */
  listening(host: string, port: number): void;
  /**
   * Connection `id` from `peer` (`ip:port`) was accepted; `via` is the balancer it came through
   * (`--proxy-protocol`: `peer` is then the client named by the PROXY header).
   */
  connection(id: number, peer: string, via?: string): void;
  /** Connection `id` delivered a complete line (bytes as received, or text). */
  line(id: number, data: Uint8Array | string): void;
  /** Connection `id` closed; `reason` is one line, `code` the error's stable code. */
  lost(id: number, reason: string, code: string): void;
  /** The server stopped: the last event. */
  stopped(totals: ServerTotals): void;
  /** Writes everything buffered so far with one call to the sink (not while a record streams). */
  flush(): void;
  /**
   * Starts the record of a line too large to hold twice: its pieces go straight to the sink with
   * {@link ServerOutput.write}; until {@link ServerOutput.endStream}, `flush` holds other events
   * back so that nothing comes between the pieces. `null` when nothing is printed (`--quiet`).
   */
  longLine(id: number): LineRecord | null;
  /** Writes a piece of a streamed record now (`partial`: more pieces follow). */
  write(text: string | Uint8Array, partial: boolean): void;
  /** A streamed record is complete: events held back meanwhile are flushed. */
  endStream(): void;
  /** Bytes (UTF-16 units) buffered and not flushed yet. */
  readonly buffered: number;
}

/** Options of {@link createServerOutput}. */
export interface ServerOutputOptions {
  /** NDJSON instead of text. */
  readonly json: boolean;
  /** Only the listening line and the summary. */
  readonly quiet: boolean;
  /** Worker id added to every JSON event (cluster mode only). */
  readonly worker?: number | undefined;
}

class BufferedOutput {
  protected buffer = "";
  #streaming = false;
  constructor(private readonly sink: Sink) {}

  write(text: string | Uint8Array, partial: boolean): void {
    this.#streaming = partial;
    if (text.length !== 0) this.sink(text, partial);
  }

  endStream(): void {
    this.#streaming = false;
    this.flush();
  }

  get buffered(): number {
    return this.buffer.length;
  }

  flush(): void {
    if (this.buffer === "" || this.#streaming) return;
    const chunk = this.buffer;
    this.buffer = "";
    this.sink(chunk);
  }
}

class TextOutput extends BufferedOutput implements ServerOutput {
  constructor(
    sink: Sink,
    private readonly quiet: boolean,
  ) {
    super(sink);
  }

  listening(host: string, port: number): void {
    this.buffer += `listening on ${formatHostPort(host, port)}\n`;
  }

  connection(_id: number, peer: string, via?: string): void {
    if (this.quiet) return;
    // A UNIX path from a PROXY header is the peer's bytes: printed safely like line data.
    this.buffer +=
      via === undefined
        ? "server received a connection!\n"
        : `server received a connection! peer=${escapeString(peer)} via=${escapeString(via)}\n`;
  }

  line(_id: number, data: Uint8Array | string): void {
    if (!this.quiet) {
      const safe = typeof data === "string" ? escapeString(data) : escapeText(data);
      this.buffer += `in lineReceived\ndata => ${safe}\n`;
    }
  }

  lost(_id: number, reason: string): void {
    if (!this.quiet) this.buffer += `Connection lost\n${escapeString(reason)}\n`;
  }

  longLine(): LineRecord | null {
    if (this.quiet) return null;
    const escaper = new TextEscaper();
    return {
      head: "in lineReceived\ndata => ",
      piece: (bytes) => (!escaper.holding && isPlainText(bytes) ? bytes : escaper.write(bytes)),
      end: () => `${escaper.end()}\n`,
    };
  }

  stopped(totals: ServerTotals): void {
    this.buffer += `server stopped: ${totals.connections} connection${totals.connections === 1 ? "" : "s"}, ${totals.lines} line${totals.lines === 1 ? "" : "s"}\n`;
  }
}

class JsonOutput extends BufferedOutput implements ServerOutput {
  // Pre-rendered tail (`,"worker":N}` or `}`) so per-line events stay a few concatenations.
  private readonly tail: string;

  constructor(
    sink: Sink,
    private readonly quiet: boolean,
    worker: number | undefined,
  ) {
    super(sink);
    this.tail = worker === undefined ? "}\n" : `,"worker":${worker}}\n`;
  }

  listening(host: string, port: number): void {
    this.buffer += `{"event":"listening","host":${JSON.stringify(host)},"port":${port}${this.tail}`;
  }

  connection(id: number, peer: string, via?: string): void {
    if (!this.quiet) {
      const through = via === undefined ? "" : `,"via":${JSON.stringify(via)}`;
      this.buffer += `{"event":"connection","id":${id},"peer":${JSON.stringify(peer)}${through}${this.tail}`;
    }
  }

  line(id: number, data: Uint8Array | string): void {
    if (!this.quiet) {
      const text = typeof data === "string" ? data : decodeUtf8(data);
      this.buffer += `{"event":"line","id":${id},"data":${JSON.stringify(text)}${this.tail}`;
    }
  }

  lost(id: number, reason: string, code: string): void {
    if (!this.quiet) {
      this.buffer += `{"event":"lost","id":${id},"reason":${JSON.stringify(reason)},"code":${JSON.stringify(code)}${this.tail}`;
    }
  }

  longLine(id: number): LineRecord | null {
    if (this.quiet) return null;
    const chunks = new Utf8Chunks();
    const json = (bytes: Uint8Array): string => JSON.stringify(decodeUtf8(bytes)).slice(1, -1);
    return {
      head: `{"event":"line","id":${id},"data":"`,
      piece: (bytes) => (!chunks.holding && isJsonPlain(bytes) ? bytes : json(chunks.push(bytes))),
      end: () => `${json(chunks.end())}"${this.tail}`,
    };
  }

  stopped(totals: ServerTotals): void {
    this.buffer += `{"event":"stopped","connections":${totals.connections},"lines":${totals.lines}${this.tail}`;
  }
}

export { formatHostPort };

/** `true` when JSON-escaping `bytes` (as UTF-8 text) leaves them as they are: printable ASCII but `"` and `\`. */
function isJsonPlain(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b < 0x20 || b > 0x7e || b === 0x22 || b === 0x5c) return false;
  }
  return true;
}

/** UTF-8 text of `bytes` (invalid sequences become U+FFFD), as the line receivers decode it. */
export function decodeUtf8(bytes: Uint8Array): string {
  return (
    Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  ).toString("utf8");
}

/**
 * Creates the output for the given mode.
 *
 * @example
 * ```ts
 * const out = createServerOutput({ json: false, quiet: false }, (s) => process.stdout.write(s));
 * out.listening("127.0.0.1", 9000);
 * out.flush(); // "listening on 127.0.0.1:9000\n"
 * ```
 */
export function createServerOutput(options: ServerOutputOptions, sink: Sink): ServerOutput {
  return options.json
    ? new JsonOutput(sink, options.quiet, options.worker)
    : new TextOutput(sink, options.quiet);
}
