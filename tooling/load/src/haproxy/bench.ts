#!/usr/bin/env node
/**
 * Lines/s through HAProxy vs straight to lr-server, in one sitting: `lr-server --quiet` alone, and
 * `lr-server --quiet --proxy-protocol` behind Debian's haproxy (one backend, `send-proxy-v2`, the
 * configuration of the end-to-end test). The load generator is its own process; the two setups are
 * interleaved and the median of the runs is reported, with the ratio. Loopback only.
 *
 *   node dist/haproxy-bench.js [--runs 3] [--connections 10] [--lines 200000] [--size 64]
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { toolArgs } from "../cli-args.js";
import { runLoadgen } from "../loadgen-run.js";
import { parseSummary, type ServerProcess, startServer } from "../proc.js";
import { median, si } from "../stats.js";
import { findHaproxy, startHaproxy } from "./haproxy.js";

const here = dirname(fileURLToPath(import.meta.url));
const LR_SERVER = join(resolve(here, "../../.."), "apps/server/dist/main.js");

const values = toolArgs("haproxy-bench", {
  runs: { type: "string", default: "3" },
  connections: { type: "string", default: "10" },
  lines: { type: "string", default: "200000" },
  size: { type: "string", default: "64" },
});
const RUNS = Number(values.runs);
const C = Number(values.connections);
const N = Number(values.lines);
const L = Number(values.size);

async function blast(port: number): Promise<number> {
  const r = await runLoadgen<{ elapsedMs: number }>([
    "blast",
    "--port",
    String(port),
    "--connections",
    String(C),
    "--lines",
    String(N),
    "--size",
    String(L),
  ]);
  return (C * N) / (r.elapsedMs / 1000);
}

async function main(): Promise<void> {
  const binary = findHaproxy();
  if (!binary) throw new Error("haproxy is not installed (apt-get install haproxy)");
  const started: ServerProcess[] = [];
  const lr = async (extra: string[]) => {
    const p = await startServer(LR_SERVER, [
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--quiet",
      ...extra,
    ]);
    started.push(p);
    return p;
  };
  const direct = await lr([]);
  const proxied = await lr(["--proxy-protocol"]);
  const { haproxy } = await startHaproxy(binary, [
    { name: "lr1", host: "127.0.0.1", port: proxied.port, proxy: "v2" },
  ]);
  const rates = { direct: [] as number[], haproxy: [] as number[] };
  try {
    for (let run = 0; run < RUNS; run++) {
      rates.direct.push(await blast(direct.port));
      rates.haproxy.push(await blast(haproxy.port));
    }
  } finally {
    await haproxy.stop();
  }
  let exact = true;
  for (const p of started) {
    await p.stop("SIGTERM");
    exact &&= parseSummary(p.lines)?.lines === RUNS * C * N;
  }
  const d = median(rates.direct);
  const h = median(rates.haproxy);
  const all = (xs: number[]) => xs.map((x) => si(x)).join(", ");
  console.log(
    `${C} connections x ${N} lines of ${L} B, ${RUNS} interleaved runs: direct ${si(d)} lines/s (${all(rates.direct)}), through HAProxy ${si(h)} lines/s (${all(rates.haproxy)}), ratio ${(h / d).toFixed(2)}x, counts exact: ${exact ? "yes" : "NO"}`,
  );
  if (!exact) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`haproxy-bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
