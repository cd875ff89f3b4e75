import { parseArgs } from "node:util";
import {
  describeParseError,
  parseInteger,
  parseSeconds,
  stripLeadingDashDash,
  UsageError,
} from "@lr/cli-kit";

export { describeParseError, UsageError };

/** Everything `lr-client` can be asked to do, after validation. */
export interface ClientOptions {
  /** Server host name or address. */
  readonly host: string;
  /** Server port. */
  readonly port: number;
  /** How many times the same reactor is run, stopped and run again. */
  readonly tries: number;
  /** Seconds the long-running job takes (in a worker thread). */
  readonly work: number;
  /** Seconds between sending the message and stopping the reactor. */
  readonly linger: number;
  /** The line sent once the job is done. */
  readonly message: string;
  /** NDJSON events instead of the seed's text. */
  readonly json: boolean;
  /** Seconds a connection attempt may take before the try fails. */
  readonly connectTimeout: number;
}

/** What the command line asks for. */
export type ClientCommand =
  | { readonly kind: "run"; readonly options: ClientOptions }
  | { readonly kind: "help" }
  | { readonly kind: "version" };

/** Defaults of every flag, shown by `--help`. */
export const CLIENT_DEFAULTS = {
  host: "localhost",
  port: 9000,
  tries: 3,
  work: 5,
  linger: 5,
  message: "finished",
  connectTimeout: 30,
} as const;

/** The text printed by `--help`. */
export const CLIENT_HELP = `Usage: lr-client [options]

The seed's restarting client on lr: connects, runs a long job in a worker thread,
sends a line, stops the reactor a little later, and runs the SAME reactor again.

Options:
  --host H         server host (default ${CLIENT_DEFAULTS.host})
  --port N         server port (default ${CLIENT_DEFAULTS.port})
  --tries N        how many times the reactor is run, stopped and run again (default ${CLIENT_DEFAULTS.tries})
  --work S         seconds of the long-running job, run in a worker thread (default ${CLIENT_DEFAULTS.work})
  --linger S       seconds between sending the message and stopping the reactor (default ${CLIENT_DEFAULTS.linger})
  --message TEXT   the line sent when the job is done (default ${CLIENT_DEFAULTS.message})
  --connect-timeout S
                   seconds a connection attempt may take before the try fails (default ${CLIENT_DEFAULTS.connectTimeout})
  --json           one JSON object per event (NDJSON), no progress display (default off)
  --help           show this help and exit
  --version        print the version and exit

Lines end with CRLF (\r\n) both ways, as the server expects.
Output: in text mode the server's bytes are printed safely: control characters,
ESC, DEL, C1 controls, CR and LF inside a line and invalid UTF-8 appear as
escapes (\x1b, \r, \n, \xff, ...; a backslash as \\), so a server cannot drive the
terminal or forge lines. --json prints each line's UTF-8 text JSON-escaped.
The progress display is drawn only on a terminal (not with TERM=dumb) and fits
its width. When stdout is not read fast enough the client stops reading from the
server until it catches up.

Exit code: 0 when every try succeeded, 1 otherwise, 2 for a bad command line,
130 when interrupted (SIGINT/SIGTERM/SIGHUP: the current try stops cleanly and no
more run; a second signal exits at once).
`;

/**
 * Parses and validates `lr-client`'s arguments (without `node` and the script).
 *
 * @throws {UsageError} for an unknown flag, a missing or malformed value, or a stray argument.
 * @example
 * ```ts
 * const cmd = parseClientArgs(["--port", "9000", "--work", "0.5"]);
 * if (cmd.kind === "run") console.log(cmd.options.work); // 0.5
 * ```
 */
export function parseClientArgs(argv: readonly string[]): ClientCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: stripLeadingDashDash(argv),
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        tries: { type: "string" },
        work: { type: "string" },
        linger: { type: "string" },
        message: { type: "string" },
        "connect-timeout": { type: "string" },
        json: { type: "boolean" },
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
  const host = str("host") ?? CLIENT_DEFAULTS.host;
  if (host.trim() === "") throw new UsageError("--host expects a host name, got an empty string");
  const message = str("message") ?? CLIENT_DEFAULTS.message;
  if (/[\r\n]/.test(message)) throw new UsageError("--message must be a single line");
  const port = str("port");
  const tries = str("tries");
  const work = str("work");
  const linger = str("linger");
  const connectTimeout = str("connect-timeout");
  if (connectTimeout !== undefined && parseSeconds("--connect-timeout", connectTimeout) === 0)
    throw new UsageError("--connect-timeout must be more than 0 seconds");
  return {
    kind: "run",
    options: {
      host,
      port: port === undefined ? CLIENT_DEFAULTS.port : parseInteger("--port", port, 1, 65535),
      tries:
        tries === undefined ? CLIENT_DEFAULTS.tries : parseInteger("--tries", tries, 1, 1_000_000),
      work: work === undefined ? CLIENT_DEFAULTS.work : parseSeconds("--work", work),
      linger: linger === undefined ? CLIENT_DEFAULTS.linger : parseSeconds("--linger", linger),
      message,
      json: values.json === true,
      connectTimeout:
        connectTimeout === undefined
          ? CLIENT_DEFAULTS.connectTimeout
          : parseSeconds("--connect-timeout", connectTimeout),
    },
  };
}
