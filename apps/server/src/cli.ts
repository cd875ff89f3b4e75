import { parseArgs } from "node:util";

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
  /** Every connection starts with a PROXY protocol v1/v2 header (behind HAProxy and the like); off when absent. */
  readonly proxyProtocol?: boolean;
}

/** What the command line asks for. */
export type ServerCommand =
  | { readonly kind: "run"; readonly options: ServerOptions }
  | { readonly kind: "help" }
  | { readonly kind: "version" };

/** A bad command line: its message is the one line printed on stderr. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Defaults of every flag, shown by `--help`. */
export const SERVER_DEFAULTS = {
  port: 9000,
  host: "127.0.0.1",
  maxLineLength: 16384,
  workers: 1,
} as const;

/** The text printed by `--help`. */
export const SERVER_HELP = `Usage: lr-server [options]

A line server on lr's restartable reactor: prints every connection and every
CRLF-terminated line it receives, and a summary when stopped (SIGINT/SIGTERM).

Options:
  --port N              TCP port to listen on; 0 picks a free one (default ${SERVER_DEFAULTS.port})
  --host ADDR           interface to bind (default ${SERVER_DEFAULTS.host})
  --max-line-length N   longest accepted line in bytes; a longer line drops that
                        connection (default ${SERVER_DEFAULTS.maxLineLength})
  --json                one JSON object per event (NDJSON) instead of text (default off)
  --quiet               no per-connection or per-line output; still the listening
                        line and the final summary (default off)
  --workers N           N processes sharing the port (node:cluster); JSON events
                        then carry the worker id (default ${SERVER_DEFAULTS.workers})
  --greet TEXT          send TEXT as a line to every client when it connects
                        (default: send nothing, as the seed)
  --proxy-protocol      every connection starts with a PROXY protocol v1 or v2
                        header (HAProxy send-proxy/send-proxy-v2): the client's
                        address is reported as peer, the balancer's as via;
                        a connection without a valid header is dropped (default off)
  --help                show this help and exit
  --version             print the version and exit
`;

/** parseArgs' own messages, cut to their first sentence (the rest is advice about `--`). */
export function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split(/\.\s/)[0] ?? message;
  return `${first.replace(/\.$/, "")} (see --help)`;
}

function parseInteger(flag: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw))
    throw new UsageError(`${flag} expects an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new UsageError(`${flag} must be between ${min} and ${max}, got ${raw}`);
  }
  return value;
}

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
      // `pnpm --filter server start -- --port 0` hands the script a leading "--": skip it.
      args: argv[0] === "--" ? argv.slice(1) : [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "max-line-length": { type: "string" },
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
  const host = str("host") ?? SERVER_DEFAULTS.host;
  if (host.trim() === "") throw new UsageError("--host expects an address, got an empty string");
  const portRaw = str("port");
  const lengthRaw = str("max-line-length");
  const workersRaw = str("workers");
  return {
    kind: "run",
    options: {
      port:
        portRaw === undefined ? SERVER_DEFAULTS.port : parseInteger("--port", portRaw, 0, 65535),
      host,
      maxLineLength:
        lengthRaw === undefined
          ? SERVER_DEFAULTS.maxLineLength
          : parseInteger("--max-line-length", lengthRaw, 1, 1 << 30),
      json: values.json === true,
      quiet: values.quiet === true,
      workers:
        workersRaw === undefined
          ? SERVER_DEFAULTS.workers
          : parseInteger("--workers", workersRaw, 1, 256),
      greet: str("greet"),
      ...(values["proxy-protocol"] === true ? { proxyProtocol: true } : {}),
    },
  };
}
