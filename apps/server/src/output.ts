/**
 * What `lr-server` prints, in text (seed-faithful) or NDJSON form. Events are appended to one
 * buffer and written with a single `write` per {@link ServerOutput.flush}: the protocol flushes once
 * per socket read, so a read carrying a thousand lines costs one write, not a thousand, and the
 * order of events is the order they happened in.
 */

/** Totals reported by the final summary. */
export interface ServerTotals {
  /** Connections accepted. */
  readonly connections: number;
  /** Complete lines received. */
  readonly lines: number;
}

/** Where formatted output goes (`process.stdout.write` in the app, an array in tests). */
export type Sink = (chunk: string) => void;

/** The events `lr-server` reports. */
export interface ServerOutput {
  /** The port is bound; `host`/`port` are the real address (also for `--port 0`). */
  listening(host: string, port: number): void;
  /**
   * Connection `id` from `peer` (`ip:port`) was accepted; `via` is the balancer it came through
   * (`--proxy-protocol`: `peer` is then the client named by the PROXY header).
   */
  connection(id: number, peer: string, via?: string): void;
  /** Connection `id` delivered a complete line. */
  line(id: number, data: string): void;
  /** Connection `id` closed; `reason` is one line, `code` the error's stable code. */
  lost(id: number, reason: string, code: string): void;
  /** The server stopped: the last event. */
  stopped(totals: ServerTotals): void;
  /** Writes everything buffered so far with one call to the sink. */
  flush(): void;
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
  constructor(private readonly sink: Sink) {}

  flush(): void {
    if (this.buffer === "") return;
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
    this.buffer +=
      via === undefined
        ? "server received a connection!\n"
        : `server received a connection! peer=${printable(peer)} via=${printable(via)}\n`;
  }

  line(_id: number, data: string): void {
    if (!this.quiet) this.buffer += `in lineReceived\ndata => ${data}\n`;
  }

  lost(_id: number, reason: string): void {
    if (!this.quiet) this.buffer += `Connection lost\n${reason}\n`;
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

  line(id: number, data: string): void {
    if (!this.quiet) {
      this.buffer += `{"event":"line","id":${id},"data":${JSON.stringify(data)}${this.tail}`;
    }
  }

  lost(id: number, reason: string, code: string): void {
    if (!this.quiet) {
      this.buffer += `{"event":"lost","id":${id},"reason":${JSON.stringify(reason)},"code":${JSON.stringify(code)}${this.tail}`;
    }
  }

  stopped(totals: ServerTotals): void {
    this.buffer += `{"event":"stopped","connections":${totals.connections},"lines":${totals.lines}${this.tail}`;
  }
}

/** Control characters as `\xNN` (a UNIX path from a PROXY header must not reach the terminal raw). */
function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
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
