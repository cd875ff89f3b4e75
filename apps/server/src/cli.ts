import { parseArgs } from "node:util";
import {
  describeParseError,
  parseInteger,
  parseSeconds,
  stripLeadingDashDash,
  UsageError,
} from "@lr/cli-kit";

export { describeParseError, UsageError };

/** How lines end on the wire. */
export type Delimiter = "crlf" | "lf";

/** Everything `lr-server` can be asked to do, after validation. */
export interface ServerOptions {
  /** TCP port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind. */
  readonly host: string;
  /** Longest accepted line in bytes (delimiter excluded); a longer one drops its connection. */
  readonly maxLineLength: number;
  /** NDJSON events instead of the seed's text. */
  readonly json: boolean;
  /** No per-connection / per-line output. */
  readonly quiet: boolean;
  /** Number of worker processes sharing the port (node:cluster); 1 runs in-process. */
  readonly workers: number;
  /** A line sent to every client right after it connects (opt-in; nothing is sent by default). */
  readonly greet: string | undefined;
  /** Line ending: CRLF (the seed's, Twisted's default) or LF (a CR before the LF is dropped too). */
  readonly delimiter: Delimiter;
  /** Seconds without a byte before a connection is closed; 0 turns it off. */
  readonly idleTimeout: number;
  /** Seconds a started line may take to complete (the slowloris defence); 0 turns it off. */
  readonly lineTimeout: number;
  /** Most connections open at once; more are accepted and closed at once. */
  readonly maxConnections: number;
  /** Most connections open at once from one peer address; 0 means no limit. */
  readonly maxConnectionsPerPeer: number;
  /** Seconds the whole stop may take after the first signal; then pending output is dropped, exit 1. */
  readonly shutdownTimeout: number;
  /** Every connection starts with a PROXY protocol v1/v2 header (behind HAProxy and the like); off when absent. */
  readonly proxyProtocol?: boolean;
}

/** What the command line asks for. */
export type ServerCommand =
  | { readonly kind: "run"; readonly options: ServerOptions }
  | { readonly kind: "help" }
  | { readonly kind: "version" };

/** Defaults of every flag, shown by `--help`. */
export const SERVER_DEFAULTS = {
  port: 9000,
  host: "127.0.0.1",
  maxLineLength: 16384,
  workers: 1,
  delimiter: "crlf",
  idleTimeout: 60,
  lineTimeout: 30,
  maxConnections: 10000,
  maxConnectionsPerPeer: 0,
  shutdownTimeout: 10,
} as const;

/** The text printed by `--help`. */
export const SERVER_HELP = `Usage: lr-server [options]

A line server on lr's restartable reactor: prints every connection and every
line it receives, and a summary when stopped (SIGINT, SIGTERM or SIGHUP).
Lines end with CRLF (\\r\\n), as in Twisted: with plain nc use \`nc -C HOST PORT\`,
or start the server with --delimiter lf.

Options:
  --port N              TCP port to listen on; 0 picks a free one (default ${SERVER_DEFAULTS.port})
  --host ADDR           interface to bind (default ${SERVER_DEFAULTS.host}); any address
                        that is not loopback prints a warning on stderr
  --delimiter crlf|lf   line ending: crlf, or lf (a CR just before the LF is
                        dropped too) for clients such as plain nc (default ${SERVER_DEFAULTS.delimiter})
  --max-line-length N   longest accepted line in bytes; a longer line drops that
                        connection (default ${SERVER_DEFAULTS.maxLineLength})
  --idle-timeout S      close a connection that sends nothing for S seconds;
                        0 = never (default ${SERVER_DEFAULTS.idleTimeout})
  --line-timeout S      close a connection whose started line is not complete
                        after S seconds (slow senders); 0 = never (default ${SERVER_DEFAULTS.lineTimeout})
  --max-connections N   connections open at once; more are accepted and closed
                        at once, with a rate-limited line on stderr (default ${SERVER_DEFAULTS.maxConnections})
  --max-connections-per-peer N
                        the same limit per peer address; 0 = none (default 0)
  --shutdown-timeout S  bound on the whole stop after the first signal: past it
                        output still pending is dropped (one line on stderr
                        says how much) and the exit status is 1 (default ${SERVER_DEFAULTS.shutdownTimeout})
  --json                one JSON object per event (NDJSON) instead of text (default off)
  --quiet               no per-connection or per-line output; still the listening
                        line and the final summary (default off)
  --workers N           N processes sharing the port (node:cluster); the primary
                        prints everything; a worker that dies is replaced, and 5
                        deaths within 60 s stop the server (default ${SERVER_DEFAULTS.workers})
  --greet TEXT          send TEXT as a line to every client when it connects
                        (default: send nothing, as the seed)
  --proxy-protocol      every connection starts with a PROXY protocol v1 or v2
                        header (HAProxy send-proxy/send-proxy-v2): the client's
                        address is reported as peer, the balancer's as via;
                        a connection without a valid header is dropped (default off)
  --help                show this help and exit
  --version             print the version and exit

Output: in text mode a peer's bytes are printed safely: control characters, ESC,
DEL, C1 controls, CR and LF inside a line and invalid UTF-8 appear as escapes
(\\x1b, \\r, \\n, \\xff, ...; a backslash as \\\\), so a peer cannot drive the terminal
or forge lines. --json prints the line's UTF-8 text JSON-escaped.
When stdout is not read fast enough the server stops reading from its
connections until it catches up (nothing is lost, memory stays bounded).

Signals: the first SIGINT/SIGTERM/SIGHUP stops gracefully (summary, exit 0); a
second one exits at once with status 1. Exit status 2: bad command line; 1: the
port cannot be bound, or the stop was cut short.
`;

/**
 * Parses and validates `lr-server`'s arguments (without `node` and the script).
 *
 * @throws {UsageError} for an unknown flag, a missing or malformed value, or a stray argument.
 * @example
 * ```ts
 * const cmd = parseServerArgs(["--port", "0", "--json"]);
 * if (cmd.kind === "run") console.log(cmd.options.port); // 0
 * ```
 */
export function parseServerArgs(argv: readonly string[]): ServerCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: stripLeadingDashDash(argv),
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        delimiter: { type: "string" },
        "max-line-length": { type: "string" },
        "idle-timeout": { type: "string" },
        "line-timeout": { type: "string" },
        "max-connections": { type: "string" },
        "max-connections-per-peer": { type: "string" },
        "shutdown-timeout": { type: "string" },
        json: { type: "boolean" },
        quiet: { type: "boolean" },
        workers: { type: "string" },
        greet: { type: "string" },
        "proxy-protocol": { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    return raw === undefined ? fallback : parseInteger(`--${name}`, raw, min, max);
  };
  const seconds = (name: string, fallback: number): number => {
    const raw = str(name);
    return raw === undefined ? fallback : parseSeconds(`--${name}`, raw);
  };
  const host = str("host") ?? SERVER_DEFAULTS.host;
  if (host.trim() === "") throw new UsageError("--host expects an address, got an empty string");
  const delimiter = str("delimiter") ?? SERVER_DEFAULTS.delimiter;
  if (delimiter !== "crlf" && delimiter !== "lf")
    throw new UsageError(`--delimiter expects crlf or lf, got ${JSON.stringify(delimiter)}`);
  const greet = str("greet");
  if (greet !== undefined && /[\r\n]/.test(greet))
    throw new UsageError("--greet must be a single line");
  const shutdownTimeout = seconds("shutdown-timeout", SERVER_DEFAULTS.shutdownTimeout);
  if (shutdownTimeout === 0) throw new UsageError("--shutdown-timeout must be more than 0 seconds");
  return {
    kind: "run",
    options: {
      port: int("port", SERVER_DEFAULTS.port, 0, 65535),
      host,
      maxLineLength: int("max-line-length", SERVER_DEFAULTS.maxLineLength, 1, 1 << 30),
      json: values.json === true,
      quiet: values.quiet === true,
      workers: int("workers", SERVER_DEFAULTS.workers, 1, 256),
      greet,
      delimiter,
      idleTimeout: seconds("idle-timeout", SERVER_DEFAULTS.idleTimeout),
      lineTimeout: seconds("line-timeout", SERVER_DEFAULTS.lineTimeout),
      maxConnections: int("max-connections", SERVER_DEFAULTS.maxConnections, 1, 1_000_000),
      maxConnectionsPerPeer: int(
        "max-connections-per-peer",
        SERVER_DEFAULTS.maxConnectionsPerPeer,
        0,
        1_000_000,
      ),
      shutdownTimeout,
      ...(values["proxy-protocol"] === true ? { proxyProtocol: true } : {}),
    },
  };
}
