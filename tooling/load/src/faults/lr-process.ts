/** The built apps under test, started as real processes on 127.0.0.1. */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerProcess, type StartOptions, startServer } from "../proc.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
/** apps/server's single entry point. */
export const LR_SERVER = resolve(root, "apps/server/dist/main.js");
/** apps/client's single entry point. */
export const LR_CLIENT = resolve(root, "apps/client/dist/main.js");

/** One NDJSON event of `lr-server --json`. */
export interface ServerEvent {
  readonly event: "listening" | "connection" | "line" | "lost" | "stopped";
  readonly id?: number;
  readonly data?: string;
  readonly peer?: string;
  readonly reason?: string;
  readonly code?: string;
  readonly connections?: number;
  readonly lines?: number;
  /** Which worker process printed it (`--workers N` only). */
  readonly worker?: number;
}

/** Starts `lr-server --port 0 --host 127.0.0.1 --json ...extra`. */
export function startLr(
  extra: readonly string[] = [],
  fdLimit?: number,
  options: StartOptions = {},
): Promise<ServerProcess> {
  return startServer(LR_SERVER, ["--port", "0", "--host", "127.0.0.1", "--json", ...extra], {
    ...options,
    ...(fdLimit === undefined ? {} : { fdLimit }),
  });
}

/** Starts `lr-server --port 0 --host 127.0.0.1 ...extra` in text mode. */
export function startLrText(
  extra: readonly string[] = [],
  options: StartOptions = {},
): Promise<ServerProcess> {
  return startServer(LR_SERVER, ["--port", "0", "--host", "127.0.0.1", ...extra], options);
}

/** Every JSON event the server printed so far. */
export function events(server: ServerProcess): ServerEvent[] {
  return server.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as ServerEvent);
}

/** Resolves once the server has printed `count` events of kind `kind` (bounded). */
export function waitForEvents(
  server: ServerProcess,
  kind: ServerEvent["event"],
  count: number,
  timeoutMs = 20_000,
): Promise<void> {
  const tag = `{"event":"${kind}"`;
  return server.waitForCount((l) => l.startsWith(tag), count, timeoutMs);
}

/** Lines reported per connection (`worker:id`, as ids are per worker), in the order printed. */
export function linesById(evs: readonly ServerEvent[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const e of evs) {
    if (e.event !== "line" || e.id === undefined) continue;
    const key = `${e.worker ?? 0}:${e.id}`;
    const list = by.get(key) ?? [];
    list.push(e.data ?? "");
    by.set(key, list);
  }
  return by;
}
