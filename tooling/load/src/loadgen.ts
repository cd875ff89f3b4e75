#!/usr/bin/env node
/**
 * The load generator, run as its own process so it never shares an event loop with the server
 * under test (on a 2-core machine it still shares the CPUs). Prints one JSON result line.
 *
 *   node dist/loadgen.js blast --port P --connections C --lines N --size L
 *   node dist/loadgen.js idle  --port P --connections C      (prints {"event":"ready"}, holds until stdin closes)
 *   node dist/loadgen.js storm --port P --connections C [--concurrency K]
 */
import { writeSync } from "node:fs";
import { parseArgs } from "node:util";
import { blast, openIdle, storm, type Target } from "./client.js";
import { buildPayload } from "./payload.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    connections: { type: "string", default: "1" },
    lines: { type: "string", default: "1000" },
    size: { type: "string", default: "64" },
    concurrency: { type: "string" },
    "timeout-ms": { type: "string", default: "120000" },
  },
});

const mode = positionals[0] ?? "blast";
const target: Target = { host: values.host, port: Number(values.port) };
const connections = Number(values.connections);
if (!Number.isInteger(target.port) || target.port <= 0) fail("--port is required");
if (target.host !== "127.0.0.1" && target.host !== "::1" && target.host !== "localhost")
  fail("loopback only");

const deadline = setTimeout(
  () => fail(`gave up after ${values["timeout-ms"]} ms`),
  Number(values["timeout-ms"]),
);
deadline.unref();

function fail(message: string): never {
  writeSync(2, `loadgen: ${message}\n`);
  process.exit(2);
}

function print(result: object): void {
  writeSync(1, `${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  if (mode === "blast") {
    const lines = Number(values.lines);
    const size = Number(values.size);
    const payloads = Array.from({ length: connections }, (_, c) => buildPayload(c, lines, size));
    const r = await blast(target, payloads);
    print({ mode, ...r, lines: lines * connections });
  } else if (mode === "idle") {
    const sockets = await openIdle(target, connections, 200, "hello\r\n");
    print({ event: "ready", connections: sockets.length });
    clearTimeout(deadline);
    process.stdin.resume();
    process.stdin.once("end", () => {
      for (const s of sockets) s.destroy();
      process.exit(0);
    });
  } else if (mode === "storm") {
    const concurrency = values.concurrency === undefined ? connections : Number(values.concurrency);
    print({ mode, ...(await storm(target, connections, concurrency, "storm\r\n")) });
  } else {
    fail(`unknown mode ${mode}`);
  }
}

main().then(
  () => {
    if (mode !== "idle") process.exit(0);
  },
  (error: unknown) => fail(error instanceof Error ? error.message : String(error)),
);
