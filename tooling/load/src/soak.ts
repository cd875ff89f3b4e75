#!/usr/bin/env node
/**
 * `pnpm soak [--minutes 10]`: mixed load and restarts against apps/server for a while, sampling the
 * long-lived server's RSS and open descriptors after every cycle. Not part of CI.
 *
 * Two servers run side by side: A lives for the whole soak (its samples must stay flat), B is
 * stopped with SIGTERM and started again on the same port every `--restart-seconds`. Each cycle
 * sends both a blast of lines, a storm of short connections, idle connections that are then
 * dropped, resets mid-line and an over-long line. Every stop summary must equal the complete lines
 * sent to that server. Exit code 0 only if all counts are exact and A's samples are flat.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { toolArgs } from "./cli-args.js";
import { blast, open, openIdle, storm, type Target } from "./client.js";
import { buildPayload } from "./payload.js";
import { parseSummary, procFdCount, type ServerProcess, startServer } from "./proc.js";
import { median, mib, table } from "./stats.js";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = resolve(here, "..");
const LR_SERVER = resolve(pkgDir, "../../apps/server/dist/main.js");

const values = toolArgs("soak", {
  minutes: { type: "string", default: "10" },
  "restart-seconds": { type: "string", default: "30" },
  "max-rss-growth": { type: "string", default: "0.15" },
});
const DURATION_MS = Number(values.minutes) * 60_000;
const RESTART_MS = Number(values["restart-seconds"]) * 1000;
const MAX_GROWTH = Number(values["max-rss-growth"]);
for (const [flag, n] of [
  ["--minutes", DURATION_MS],
  ["--restart-seconds", RESTART_MS],
  ["--max-rss-growth", MAX_GROWTH],
] as const) {
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`soak: ${flag} must be a positive number`);
    process.exit(2);
  }
}

interface Sample {
  readonly atS: number;
  readonly rss: number;
  readonly fds: number;
  readonly lines: number;
}

/** Waits (bounded, polling /proc) until the server holds no more descriptors than `limit`. */
async function settleFds(pid: number, limit: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const n = procFdCount(pid);
    if (n <= limit || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Connects, sends one complete line and half a line, then resets: only the complete line counts. */
async function resetMidLine(t: Target): Promise<void> {
  const s = await open(t);
  s.on("error", () => {});
  await new Promise<void>((r) => s.write("complete before reset\r\nhalf a li", () => r()));
  s.resetAndDestroy();
}

/** Sends a line one byte over the limit: the server must drop the connection. */
function tooLong(t: Target): Promise<void> {
  return new Promise((resolvePromise) => {
    const s = connect({ host: t.host, port: t.port });
    s.on("error", () => {});
    s.once("connect", () => s.write(`${"z".repeat(16_385)}\r\n`));
    s.once("close", () => resolvePromise());
  });
}

/** One cycle of mixed load; returns the number of complete lines the server must have counted. */
async function cycle(t: Target, round: number): Promise<number> {
  let lines = 0;
  const c = 10;
  const n = 5000 + (round % 3) * 5000;
  const size = [16, 64, 1024][round % 3] as number;
  const b = await blast(
    t,
    Array.from({ length: c }, (_, i) => buildPayload(i, n, size)),
  );
  if (b.connections !== c) throw new Error("blast lost a connection");
  lines += c * n;
  const st = await storm(t, 200, 200, "storm\r\n");
  if (st.failed > 0) throw new Error(`${st.failed} storm connections failed`);
  lines += st.ok;
  const idle = await openIdle(t, 300, 100, "hello\r\n");
  lines += idle.length;
  await Promise.all(
    idle.map(
      (s) =>
        new Promise<void>((r) => {
          s.once("close", () => r());
          if (round % 2 === 0) s.end();
          else s.resetAndDestroy();
        }),
    ),
  );
  for (let i = 0; i < 10; i++) await resetMidLine(t);
  lines += 10;
  await tooLong(t);
  return lines;
}

async function start(port = 0): Promise<ServerProcess> {
  return startServer(LR_SERVER, ["--port", String(port), "--host", "127.0.0.1", "--quiet"], {
    keepLines: true,
  });
}

async function main(): Promise<void> {
  const t0 = Date.now();
  let a = await start();
  let b = await start();
  const bPort = b.port;
  const errors: string[] = [];
  let aLines = 0;
  let bLines = 0;
  let bRestarts = 0;
  let lastRestart = Date.now();
  const samples: Sample[] = [];
  const baseFds = procFdCount(a.pid);
  let round = 0;
  while (Date.now() - t0 < DURATION_MS) {
    const [la, lb] = await Promise.all([
      cycle({ host: "127.0.0.1", port: a.port }, round),
      cycle({ host: "127.0.0.1", port: b.port }, round + 1),
    ]);
    aLines += la;
    bLines += lb;
    round++;
    const fds = await settleFds(a.pid, baseFds);
    samples.push({ atS: (Date.now() - t0) / 1000, rss: a.memory().rss, fds, lines: aLines });
    process.stderr.write(
      `soak ${((Date.now() - t0) / 1000).toFixed(0)} s: round ${round}, A rss ${mib(a.memory().rss)} MiB, fds ${fds}, B restarts ${bRestarts}\n`,
    );
    if (Date.now() - lastRestart >= RESTART_MS) {
      const exit = await b.stop("SIGTERM");
      const s = parseSummary(b.lines);
      if (exit.code !== 0 || s?.lines !== bLines)
        errors.push(
          `B stop ${bRestarts + 1}: exit ${exit.code}, summary ${JSON.stringify(s)}, expected ${bLines} lines`,
        );
      b = await start(bPort);
      bLines = 0;
      bRestarts++;
      lastRestart = Date.now();
    }
  }
  for (const [name, p, expected] of [
    ["A", a, aLines],
    ["B", b, bLines],
  ] as const) {
    const exit = await p.stop("SIGTERM");
    const s = parseSummary(p.lines);
    if (exit.code !== 0 || s?.lines !== expected)
      errors.push(
        `${name} final stop: exit ${exit.code}, summary ${JSON.stringify(s)}, expected ${expected} lines`,
      );
  }
  a = b; // both stopped

  // Flat: the median RSS of the last fifth of the samples vs the second fifth (the first is warm-up).
  const fifth = Math.max(1, Math.floor(samples.length / 5));
  const early = median(samples.slice(fifth, 2 * fifth).map((s) => s.rss));
  const late = median(samples.slice(-fifth).map((s) => s.rss));
  const growth = (late - early) / early;
  const fdsFlat = samples.every((s) => s.fds <= baseFds);
  const rssFlat = samples.length < 5 || growth <= MAX_GROWTH;
  const step = Math.max(1, Math.ceil(samples.length / 20));
  const rows = samples
    .filter((_, i) => i % step === 0 || i === samples.length - 1)
    .map((s) => [s.atS.toFixed(0), mib(s.rss), String(s.fds), String(s.lines)]);
  const md = [
    `## Soak: ${values.minutes} min, ${round} rounds, server B restarted ${bRestarts} times`,
    "",
    `Server A (long-lived) after each round, once its connections were gone (descriptors at start: ${baseFds}):`,
    "",
    table(["t (s)", "RSS MiB", "open fds", "lines so far"], rows),
    "",
    `RSS: ${mib(early)} MiB (2nd fifth, median) → ${mib(late)} MiB (last fifth): ${(growth * 100).toFixed(1)} % (limit ${(MAX_GROWTH * 100).toFixed(0)} %) — ${rssFlat ? "flat" : "GROWING"}.`,
    `Descriptors: ${fdsFlat ? `back to ${baseFds} after every round — flat` : "NOT back to the baseline after some rounds"}.`,
    `Counts: ${errors.length === 0 ? "every stop summary equalled the complete lines sent" : errors.join("; ")}.`,
  ].join("\n");
  const outDir = join(pkgDir, "bench-results");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "soak.md"), `${md}\n`);
  console.log(md);
  process.exit(errors.length === 0 && rssFlat && fdsFlat ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
