/**
 * What every baseline server shares: the flags (`--port`, `--host`, `--print`), the first line
 * `listening on HOST:PORT` (the same contract as apps/server), and on SIGTERM/SIGINT a last line
 * `{"event":"stopped","connections":N,"lines":M,"bytes":B}` then exit code 0.
 */
import { writeSync } from "node:fs";
import type { Server, Socket } from "node:net";
import { parseArgs } from "node:util";

/** Counters every baseline server keeps. */
export interface Stats {
  connections: number;
  lines: number;
  bytes: number;
}

/** Parsed command line of a baseline server. */
export interface ServerArgs {
  readonly port: number;
  readonly host: string;
  /** Print `in lineReceived` / `data => LINE` per line, like apps/server's default text mode. */
  readonly print: boolean;
}

/** Parses `--port N --host H --print`. */
export function serverArgs(argv = process.argv.slice(2)): ServerArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      print: { type: "boolean", default: false },
    },
  });
  return { port: Number(values.port), host: values.host, print: values.print };
}

/** Announces the bound address on stdout (synchronously, so it is the first line). */
export function announce(host: string, port: number): void {
  writeSync(1, `listening on ${host}:${port}\n`);
}

/** Writes the final summary line and exits 0. */
export function finish(stats: Stats): never {
  writeSync(1, `${JSON.stringify({ event: "stopped", ...stats })}\n`);
  process.exit(0);
}

/**
 * node:net servers: on SIGTERM/SIGINT stop accepting, half-close every connection (the data already
 * received has been counted: `data` handlers run synchronously), and print the summary once all
 * connections are gone.
 */
export function stopOnSignal(server: Server, sockets: Set<Socket>, stats: Stats): void {
  const stop = (): void => {
    server.close();
    if (sockets.size === 0) finish(stats);
    for (const s of sockets) {
      s.pause();
      s.once("close", () => {
        sockets.delete(s);
        if (sockets.size === 0) finish(stats);
      });
      s.end();
      s.destroySoon();
    }
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
