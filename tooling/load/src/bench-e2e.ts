#!/usr/bin/env node
/**
 * `pnpm bench:e2e`: end-to-end throughput, printing, idle-connection and worker benchmarks of
 * apps/server against raw node:net baselines measured in the same run. Every server runs in its own
 * process, the load generator in another. Writes bench-results/e2e.md and, with `--update`, the
 * generated part of the root BENCHMARKS.md.
 *
 *   node dist/bench-e2e.js [--runs 3] [--quick] [--update] [--only throughput,printing,idle,workers]
 */
import { execFileSync, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { toolArgs } from "./cli-args.js";
import { holdIdle, runLoadgen } from "./loadgen-run.js";
import { checkOrder } from "./payload.js";
import { parseSummary, procFdCount, procMemory, ServerProcess, startServer } from "./proc.js";
import { median, mib, si, table } from "./stats.js";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = resolve(here, "..");
const root = resolve(pkgDir, "../..");
const LR_SERVER = join(root, "apps/server/dist/main.js");

const values = toolArgs("bench-e2e", {
  runs: { type: "string", default: "3" },
  quick: { type: "boolean", default: false },
  update: { type: "boolean", default: false },
  only: { type: "string", default: "throughput,printing,idle,workers" },
  "idle-connections": { type: "string", default: "5000" },
  "idle-settle-seconds": { type: "string", default: "45" },
});
const RUNS = Number(values.runs);
const SCALE = values.quick ? 0.25 : 1;
const parts = new Set(values.only.split(","));
const IDLE = Number(values["idle-connections"]);
const IDLE_SETTLE_MS = Number(values["idle-settle-seconds"]) * 1000;
const FD_LIMIT = IDLE * 2 + 1000;

interface Kind {
  readonly name: string;
  readonly script: string;
  readonly args: readonly string[];
}

const lrAvailable = existsSync(LR_SERVER) && lrHelp().includes("--quiet");
const LR: Kind = { name: "lr apps/server --quiet", script: LR_SERVER, args: ["--quiet"] };
const RAW: Kind = {
  name: "raw node:net (indexOf)",
  script: join(here, "servers/raw-net.js"),
  args: [],
};
const READLINE: Kind = {
  name: "node:net + readline",
  script: join(here, "servers/readline.js"),
  args: [],
};
const DISCARD: Kind = {
  name: "discard (no framing)",
  script: join(here, "servers/discard.js"),
  args: [],
};
const REACTOR: Kind = {
  name: "@lr/reactor + indexOf",
  script: join(here, "servers/lr-reactor.js"),
  args: [],
};
const THROUGHPUT_KINDS = [...(lrAvailable ? [LR] : []), REACTOR, RAW, READLINE, DISCARD];

function lrHelp(): string {
  try {
    return execFileSync(process.execPath, [LR_SERVER, "--help"], {
      encoding: "utf8",
      timeout: 10_000,
    });
  } catch {
    return "";
  }
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

// ------------------------------------------------------------------ throughput

interface Sample {
  readonly linesPerSec: number;
  readonly mbPerSec: number;
  readonly peakRss: number;
  readonly countOk: boolean;
}

// About 0.5 s per cell or more at the speeds seen here. With ~0.2 s cells every server started cold
// weighed on the result (its JIT warm-up is a fixed cost; a 1 KiB-line server was ~15 % behind at
// 300 k lines and ~5 % at 1 M in the same A/B), and run-to-run noise was larger.
const TOTAL_LINES: Record<number, number> = { 16: 6_000_000, 64: 4_000_000, 1024: 800_000 };
const CONNECTIONS = [1, 10, 100];
const SIZES = [16, 64, 1024];

async function measure(
  kind: Kind,
  c: number,
  n: number,
  l: number,
  extraArgs: readonly string[] = [],
): Promise<Sample> {
  const server = await startServer(kind.script, [
    "--port",
    "0",
    "--host",
    "127.0.0.1",
    ...kind.args,
    ...extraArgs,
  ]);
  try {
    const r = await runLoadgen<{ elapsedMs: number; bytes: number }>([
      "blast",
      "--port",
      String(server.port),
      "--connections",
      String(c),
      "--lines",
      String(n),
      "--size",
      String(l),
    ]);
    const mem = server.memory();
    const exit = await server.stop("SIGTERM");
    const summary = parseSummary(server.lines);
    const expectedBytes = c * n * (l + 2);
    const countOk =
      exit.code === 0 &&
      summary !== null &&
      (kind === DISCARD ? summary.bytes === expectedBytes : summary.lines === c * n) &&
      summary.connections === c;
    if (!countOk)
      log(
        `  ! ${kind.name} C=${c} L=${l}: expected ${c * n} lines, got ${JSON.stringify(summary)} (exit ${JSON.stringify(exit)})`,
      );
    const secs = r.elapsedMs / 1000;
    return {
      linesPerSec: (c * n) / secs,
      mbPerSec: r.bytes / 1e6 / secs,
      peakRss: mem.peakRss,
      countOk,
    };
  } finally {
    server.kill();
  }
}

async function throughput(): Promise<string> {
  const samples = new Map<string, Sample[]>();
  const key = (k: Kind, c: number, l: number): string => `${k.name}|${c}|${l}`;
  for (let run = 0; run < RUNS; run++) {
    for (const l of SIZES) {
      for (const c of CONNECTIONS) {
        const n = Math.max(1, Math.round(((TOTAL_LINES[l] as number) * SCALE) / c));
        // Interleave the servers inside each run so machine noise hits them alike.
        for (const kind of THROUGHPUT_KINDS) {
          const s = await measure(kind, c, n, l);
          const list = samples.get(key(kind, c, l)) ?? [];
          list.push(s);
          samples.set(key(kind, c, l), list);
          log(
            `run ${run + 1}/${RUNS} L=${l} C=${c} ${kind.name}: ${si(s.linesPerSec)} lines/s, peak RSS ${mib(s.peakRss)} MiB`,
          );
        }
      }
    }
  }
  const rows: string[][] = [];
  const goalMisses: string[] = [];
  for (const l of SIZES) {
    for (const c of CONNECTIONS) {
      const med = (k: Kind): { lps: number; mbs: number; rss: number; ok: boolean } => {
        const list = samples.get(key(k, c, l)) ?? [];
        return {
          lps: median(list.map((s) => s.linesPerSec)),
          mbs: median(list.map((s) => s.mbPerSec)),
          rss: median(list.map((s) => s.peakRss)),
          ok: list.every((s) => s.countOk),
        };
      };
      const raw = med(RAW);
      const discard = med(DISCARD);
      for (const kind of THROUGHPUT_KINDS) {
        const m = med(kind);
        const ratio = m.lps / raw.lps;
        if (kind === LR && ratio < 0.9) goalMisses.push(`C=${c} L=${l}: ${ratio.toFixed(2)}×`);
        rows.push([
          String(l),
          String(c),
          kind.name,
          si(m.lps),
          m.mbs.toFixed(1),
          `${ratio.toFixed(2)}×`,
          `${(m.lps / discard.lps).toFixed(2)}×`,
          mib(m.rss),
          m.ok ? "yes" : "NO",
        ]);
      }
    }
  }
  const head = [
    "L (bytes)",
    "C",
    "server",
    "lines/s",
    "MB/s",
    "× raw net",
    "× discard",
    "peak RSS MiB",
    "count exact",
  ];
  const total = (l: number): number => Math.round((TOTAL_LINES[l] as number) * SCALE);
  return [
    "### Throughput (lines counted, no output)",
    "",
    `Each cell: C connections send ${SIZES.map((l) => `${si(total(l))} lines of ${l} B`).join(", ")} in total (CRLF, pre-built, as fast as the socket takes them), then close. Median of ${RUNS} interleaved runs; lines/s is measured by the load generator from the first connect to the last close by the server. "count exact": the server's own stop summary equals C × N (bytes for the discard server) in every run. Peak RSS is the server's VmHWM.`,
    "",
    table(head, rows),
    "",
    lrAvailable
      ? goalMisses.length === 0
        ? "Goal ≥ 0.9× raw node:net: met at every size in this run."
        : `Goal ≥ 0.9× raw node:net: missed at ${goalMisses.join(", ")} in this run.`
      : "apps/server was not built (`pnpm --filter server build`): only the baselines and the @lr/reactor diagnostic server were measured.",
  ].join("\n");
}

// ------------------------------------------------------------------ printing

async function startToFile(
  kind: Kind,
  args: readonly string[],
  file: string,
): Promise<ServerProcess> {
  const fd = openSync(file, "w");
  const child = spawn(
    process.execPath,
    [kind.script, "--port", "0", "--host", "127.0.0.1", ...args],
    { stdio: ["ignore", fd, "pipe"] },
  );
  closeSync(fd);
  const proc = new ServerProcess(child, false);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const first = readFileSync(file, "utf8").split("\n", 1)[0] ?? "";
    const m = /^listening on (.+):(\d+)$/.exec(first);
    if (m) {
      proc.host = m[1] as string;
      proc.port = Number(m[2]);
      return proc;
    }
    if (Date.now() > deadline) {
      proc.kill();
      throw new Error(
        `${kind.name} did not print "listening on" (stderr: ${proc.stderr.join(" | ")})`,
      );
    }
    await new Promise((r) => setTimeout(r, 20)); // polling a file; not a test
  }
}

async function printing(): Promise<string> {
  const c = 10;
  const l = 64;
  const n = Math.round((400_000 * SCALE) / c);
  const kinds: [Kind, readonly string[]][] = [
    ...(lrAvailable
      ? [
          [{ ...LR, name: "lr apps/server (text output)", args: [] }, []] as [
            Kind,
            readonly string[],
          ],
        ]
      : []),
    [{ ...RAW, name: "raw node:net, one write per read" }, ["--print"]],
  ];
  const results = new Map<string, { lps: number[]; ok: boolean; note: string }>();
  const dir = join(tmpdir(), `lr-bench-print-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const [kind, args] of kinds) {
        const file = join(dir, "out.txt");
        const server = await startToFile(kind, args, file);
        let ok = false;
        let note = "";
        let lps = 0;
        try {
          const r = await runLoadgen<{ elapsedMs: number }>([
            "blast",
            "--port",
            String(server.port),
            "--connections",
            String(c),
            "--lines",
            String(n),
            "--size",
            String(l),
          ]);
          lps = (c * n) / (r.elapsedMs / 1000);
          const exit = await server.stop("SIGTERM");
          const text = readFileSync(file, "utf8").split("\n");
          const data = text.filter((t) => t.startsWith("data => ")).map((t) => t.slice(8));
          const received = text.filter((t) => t === "in lineReceived").length;
          const perConn = checkOrder(data);
          ok =
            exit.code === 0 &&
            data.length === c * n &&
            received === c * n &&
            [...perConn.values()].every((v) => v === n);
          note = `${data.length} lines, order per connection intact`;
        } catch (error) {
          note = error instanceof Error ? error.message : String(error);
        } finally {
          server.kill();
        }
        log(`printing run ${run + 1}/${RUNS} ${kind.name}: ${si(lps)} lines/s ${ok ? "ok" : note}`);
        const entry = results.get(kind.name) ?? { lps: [], ok: true, note };
        entry.lps.push(lps);
        entry.ok &&= ok;
        if (!ok) entry.note = note;
        results.set(kind.name, entry);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = median(results.get(kinds[kinds.length - 1]?.[0].name ?? "")?.lps ?? [1]);
  const rows = [...results].map(([name, r]) => {
    const m = median(r.lps);
    return [
      name,
      si(m),
      `${(m / base).toFixed(2)}×`,
      r.ok ? "yes (all lines, checked per connection)" : `NO: ${r.note}`,
    ];
  });
  return [
    "### Printing mode (default text output to a file)",
    "",
    `C=${c} connections × ${si(n)} lines of ${l} B; stdout redirected to a file on disk. The raw server prints the same text (\`in lineReceived\` / \`data => LINE\`) with one buffered write per socket read. Every output file is checked: every line present, per-connection order intact. Goal ≥ 0.8×.`,
    "",
    table(["server", "lines/s", "× raw printing", "output complete and in order"], rows),
  ].join("\n");
}

// ------------------------------------------------------------------ idle

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25)); // polling /proc; not a test
  }
}

interface IdleSample {
  /** RSS before the idle clients connected (after the warm-up storm). */
  readonly baseRss: number;
  /** RSS once every connection was accepted and RSS stopped moving. */
  readonly burstRss: number;
  /** RSS once the idle process's memory-reducing GC ran (or after IDLE_SETTLE_MS without one). */
  readonly settledRss: number;
  /** How long after the burst RSS settled; `null` if it had not within IDLE_SETTLE_MS. */
  readonly settledAfterMs: number | null;
  readonly ok: boolean;
}

async function idleOnce(kind: Kind): Promise<IdleSample> {
  const server = await startServer(
    kind.script,
    ["--port", "0", "--host", "127.0.0.1", ...kind.args],
    { fdLimit: FD_LIMIT },
  );
  try {
    // Warm up the accept and read paths so the baseline is a server that has already served.
    await runLoadgen([
      "storm",
      "--port",
      String(server.port),
      "--connections",
      "200",
      "--concurrency",
      "50",
    ]);
    const baseFds = procFdCount(server.pid);
    const baseRss = procMemory(server.pid).rss;
    const gen = await holdIdle(
      ["--port", String(server.port), "--connections", String(IDLE)],
      FD_LIMIT,
    );
    await waitFor(() => procFdCount(server.pid) >= baseFds + IDLE, `${IDLE} accepted connections`);
    // Let the server read every greeting: wait until RSS stops moving (3 samples within 0.5%).
    let prev = 0;
    let still = 0;
    await waitFor(() => {
      const now = procMemory(server.pid).rss;
      still = Math.abs(now - prev) <= prev * 0.005 ? still + 1 : 0;
      prev = now;
      return still >= 3;
    }, "a steady RSS");
    const burstRss = procMemory(server.pid).rss;
    // Then hold the connections idle. Right after the burst, RSS still holds the young generation
    // V8 grew during it and the garbage allocated since the last scavenge (neither is per-connection
    // state, and both depend on when the last GC happened). An idle process gets a memory-reducing
    // GC some seconds later (V8's memory reducer); wait for it (RSS falls by at least a third of
    // what the burst added, then holds still for 2 s), for at most IDLE_SETTLE_MS.
    const t0 = Date.now();
    const dropped = burstRss - (burstRss - baseRss) / 3;
    let settledRss = burstRss;
    let settledAfterMs: number | null = null;
    let calm = 0;
    while (Date.now() - t0 < IDLE_SETTLE_MS) {
      await new Promise((r) => setTimeout(r, 500));
      const now = procMemory(server.pid).rss;
      calm = now < dropped && Math.abs(now - settledRss) <= settledRss * 0.005 ? calm + 1 : 0;
      settledRss = now;
      if (calm >= 4) {
        settledAfterMs = Date.now() - t0;
        break;
      }
    }
    gen.stdin?.end();
    await new Promise((r) => gen.once("exit", r));
    const exit = await server.stop("SIGTERM");
    const s = parseSummary(server.lines);
    const ok =
      exit.code === 0 && s !== null && s.connections === IDLE + 200 && s.lines === IDLE + 200;
    if (!ok)
      log(`  ! idle ${kind.name}: summary ${JSON.stringify(s)}, exit ${JSON.stringify(exit)}`);
    return { baseRss, burstRss, settledRss, settledAfterMs, ok };
  } finally {
    server.kill();
  }
}

async function idle(): Promise<string> {
  const kinds = [...(lrAvailable ? [LR] : []), REACTOR, RAW];
  const res = new Map<string, IdleSample[]>();
  for (let run = 0; run < RUNS; run++) {
    for (const kind of kinds) {
      const r = await idleOnce(kind);
      log(
        `idle run ${run + 1}/${RUNS} ${kind.name}: ${((r.burstRss - r.baseRss) / IDLE / 1024).toFixed(2)} KiB/connection just connected, ${((r.settledRss - r.baseRss) / IDLE / 1024).toFixed(2)} held (${r.settledAfterMs === null ? `no memory-reducing GC within ${IDLE_SETTLE_MS / 1000} s` : `settled after ${(r.settledAfterMs / 1000).toFixed(1)} s`})`,
      );
      const list = res.get(kind.name) ?? [];
      list.push(r);
      res.set(kind.name, list);
    }
  }
  const perConn = (list: readonly IdleSample[], at: "burstRss" | "settledRss"): number =>
    median(list.map((r) => (r[at] - r.baseRss) / IDLE));
  const rawList = res.get(RAW.name) ?? [];
  const rawBurst = perConn(rawList, "burstRss");
  const rawSettled = perConn(rawList, "settledRss");
  let lrSettledRatio: number | null = null;
  const rows = [...res].map(([name, list]) => {
    const burst = perConn(list, "burstRss");
    const settled = perConn(list, "settledRss");
    if (name === LR.name) lrSettledRatio = settled / rawSettled;
    return [
      name,
      mib(median(list.map((r) => r.baseRss))),
      mib(median(list.map((r) => r.burstRss))),
      (burst / 1024).toFixed(2),
      `${(burst / rawBurst).toFixed(2)}×`,
      mib(median(list.map((r) => r.settledRss))),
      (settled / 1024).toFixed(2),
      `${(settled / rawSettled).toFixed(2)}×`,
      list.every((r) => r.ok) ? "yes" : "NO",
    ];
  });
  const settleS = IDLE_SETTLE_MS / 1000;
  const settleTimes = [...res]
    .map(
      ([name, list]) =>
        `${name} ${list.map((r) => (r.settledAfterMs === null ? "none" : `${(r.settledAfterMs / 1000).toFixed(1)} s`)).join(", ")}`,
    )
    .join("; ");
  const verdict =
    lrSettledRatio === null
      ? ""
      : `\n\nGoal ≤ 1.2× raw node:net per held connection: ${(lrSettledRatio as number) <= 1.2 ? "met" : "MISSED"} (${(lrSettledRatio as number).toFixed(2)}× once held idle).`;
  return (
    [
      `### Idle connections (${IDLE} held open)`,
      "",
      `Each server first serves a 200-connection warm-up storm, then ${IDLE} clients connect, send \`hello\` and stay idle. RSS (VmRSS) is read before they connect, once every connection was accepted and RSS stopped moving ("just connected"), and once the idle process's memory-reducing GC has run ("held": RSS fell by at least a third of what the burst added and held still for 2 s; at most ${settleS} s is waited, and a run that never settles reports its last reading). Just after the burst RSS still includes the young generation V8 grew during it and the garbage allocated since the last scavenge, which depend on GC timing more than on what a connection keeps; some seconds into idleness V8's memory reducer collects, and "held" is what the connections really cost. Medians of ${RUNS} runs; settle times: ${settleTimes}. Goal ≤ 1.2× raw node:net per connection.`,
      "",
      table(
        [
          "server",
          "RSS before MiB",
          `RSS just connected MiB`,
          "KiB / conn",
          "× raw",
          "RSS held MiB",
          "KiB / conn",
          "× raw",
          "count exact",
        ],
        rows,
      ),
    ].join("\n") + verdict
  );
}

// ------------------------------------------------------------------ workers

async function workers(): Promise<string> {
  if (!lrAvailable) return "### Workers\n\nNot measured: apps/server is not built.";
  if (!lrHelp().includes("--workers"))
    return "### Workers\n\nNot measured: this apps/server has no `--workers` flag yet.";
  const cells = [
    { c: 10, l: 64 },
    { c: 100, l: 64 },
    { c: 100, l: 1024 },
  ];
  const rows: string[][] = [];
  for (const { c, l } of cells) {
    const n = Math.round(((TOTAL_LINES[l] as number) * SCALE) / c);
    const one: number[] = [];
    const two: number[] = [];
    let ok = true;
    for (let run = 0; run < RUNS; run++) {
      const a = await measure(LR, c, n, l, ["--workers", "1"]);
      const b = await measure(LR, c, n, l, ["--workers", "2"]);
      one.push(a.linesPerSec);
      two.push(b.linesPerSec);
      ok &&= a.countOk && b.countOk;
      log(
        `workers run ${run + 1}/${RUNS} C=${c} L=${l}: 1 → ${si(a.linesPerSec)}, 2 → ${si(b.linesPerSec)} lines/s`,
      );
    }
    const m1 = median(one);
    const m2 = median(two);
    rows.push([
      String(l),
      String(c),
      si(m1),
      si(m2),
      `${(m2 / m1).toFixed(2)}×`,
      ok ? "yes" : "NO",
    ]);
  }
  return [
    "### Workers (`--workers 1` vs `--workers 2`)",
    "",
    `Same load as the throughput table. This machine has ${availableParallelism()} cores and the load generator needs one of them, so two workers compete with the generator (and with anything else running): the figure shows what a second process buys here, not on a machine with spare cores.`,
    "",
    table(
      ["L (bytes)", "C", "1 worker lines/s", "2 workers lines/s", "2 vs 1", "count exact"],
      rows,
    ),
  ].join("\n");
}

// ------------------------------------------------------------------ main

function machine(): string {
  const model = cpus()[0]?.model ?? "unknown CPU";
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${availableParallelism()} cores (\`nproc\`), ${model}, ${(Number(readFileSync("/proc/meminfo", "utf8").match(/MemTotal:\s+(\d+)/)?.[1] ?? 0) / 1048576).toFixed(1)} GiB RAM, Linux`,
    `- Node.js ${process.version}; load average at start: ${load}`,
    `- Command: \`pnpm bench:e2e\` (${RUNS} runs${values.quick ? ", --quick: a quarter of the lines" : ""})`,
  ].join("\n");
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const sections: string[] = [machine()];
  if (!lrAvailable)
    log("apps/server/dist/main.js missing or without --quiet: measuring baselines only");
  if (parts.has("throughput")) sections.push(await throughput());
  if (parts.has("printing")) sections.push(await printing());
  if (parts.has("idle")) sections.push(await idle());
  if (parts.has("workers")) sections.push(await workers());
  sections.push(`Total benchmark time: ${((Date.now() - t0) / 1000).toFixed(0)} s.`);
  const md = sections.join("\n\n");
  const outDir = join(pkgDir, "bench-results");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "e2e.md"), `${md}\n`);
  console.log(md);
  if (values.update) {
    const file = join(root, "BENCHMARKS.md");
    const begin = "<!-- bench:e2e:begin -->";
    const end = "<!-- bench:e2e:end -->";
    const doc = readFileSync(file, "utf8");
    const i = doc.indexOf(begin);
    const j = doc.indexOf(end);
    if (i < 0 || j < i) throw new Error(`BENCHMARKS.md has no ${begin} … ${end} block`);
    writeFileSync(file, `${doc.slice(0, i + begin.length)}\n\n${md}\n\n${doc.slice(j)}`);
    log("updated BENCHMARKS.md");
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
