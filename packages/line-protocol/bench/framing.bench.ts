/**
 * Line framing throughput: our decoder and protocols against node:readline, split2, a bare
 * Buffer#indexOf loop and "chunk-split", all in this process, on the same input.
 *
 * Env: LR_BENCH_MIB (input size, default 64), LR_BENCH_RUNS (timed runs per case, default 5),
 * LR_BENCH_SIZES (line sizes incl. CRLF, default "16,64,1024"), LR_BENCH_UTF8=1 (adds a non-ASCII input).
 * Quick run: `LR_BENCH_MIB=4 LR_BENCH_RUNS=3 pnpm --filter @lr/line-protocol bench`.
 */
import { Buffer } from "node:buffer";
import { once } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { median } from "@lr/bench";
import { StringTransport } from "@lr/testing";
import split2 from "split2";
import {
  BytesLineOnlyReceiver,
  BytesLineReceiver,
  LineDecoder,
  LineOnlyReceiver,
  LineReceiver,
} from "../src/index.js";

const MIB = Number(process.env.LR_BENCH_MIB ?? 64);
const RUNS = Number(process.env.LR_BENCH_RUNS ?? 5);
const SIZES = (process.env.LR_BENCH_SIZES ?? "16,64,1024").split(",").map(Number);
const CHUNK = 64 * 1024;

/** `MIB` MiB of CRLF lines of `size` bytes (delimiter included), cut in `chunk`-byte Buffers. */
function makeInput(size: number, chunk: number, utf8 = false): { chunks: Buffer[]; lines: number } {
  const body = size - 2;
  const alphabet = utf8 ? "aé€b0🎉 xyz" : "abcdefghijklmnopqrstuvwxyz0123456789 ";
  const parts: string[] = [];
  let bytes = 0;
  let lines = 0;
  let k = 0;
  while (bytes < MIB * 1024 * 1024) {
    let line = "";
    while (Buffer.byteLength(line) < body) line += alphabet[k++ % alphabet.length];
    // Keep the exact byte size: trim a multi-byte overshoot with ASCII.
    while (Buffer.byteLength(line) > body) line = `${line.slice(0, -1)}`;
    line = line.padEnd(line.length + (body - Buffer.byteLength(line)), "x");
    parts.push(line, "\r\n");
    bytes += size;
    lines++;
  }
  const all = Buffer.from(parts.join(""), "utf8");
  const chunks: Buffer[] = [];
  for (let i = 0; i < all.length; i += chunk) chunks.push(Buffer.from(all.subarray(i, i + chunk)));
  return { chunks, lines };
}

type Impl = { name: string; run: (chunks: Buffer[]) => number | Promise<number> };

function connected<P extends { makeConnection(t: StringTransport): void }>(p: P): P {
  p.makeConnection(new StringTransport());
  return p;
}

const impls: Impl[] = [
  {
    name: "LineOnlyReceiver (string)",
    run(chunks) {
      let n = 0;
      class P extends LineOnlyReceiver {
        override lineReceived(line: string) {
          n += line.length >= 0 ? 1 : 0;
        }
      }
      const p = connected(new P());
      for (const c of chunks) p.dataReceived(c);
      return n;
    },
  },
  {
    name: "LineReceiver (string)",
    run(chunks) {
      let n = 0;
      class P extends LineReceiver {
        override lineReceived(line: string) {
          n += line.length >= 0 ? 1 : 0;
        }
      }
      const p = connected(new P());
      for (const c of chunks) p.dataReceived(c);
      return n;
    },
  },
  {
    name: "BytesLineOnlyReceiver",
    run(chunks) {
      let n = 0;
      class P extends BytesLineOnlyReceiver {
        override lineReceived(line: Uint8Array) {
          n += line.length >= 0 ? 1 : 0;
        }
      }
      const p = connected(new P());
      for (const c of chunks) p.dataReceived(c);
      return n;
    },
  },
  {
    name: "BytesLineReceiver",
    run(chunks) {
      let n = 0;
      class P extends BytesLineReceiver {
        override lineReceived(line: Uint8Array) {
          n += line.length >= 0 ? 1 : 0;
        }
      }
      const p = connected(new P());
      for (const c of chunks) p.dataReceived(c);
      return n;
    },
  },
  {
    name: "LineDecoder.decodeText",
    run(chunks) {
      let n = 0;
      const d = new LineDecoder();
      const cb = (line: string) => {
        n += line.length >= 0 ? 1 : 0;
      };
      for (const c of chunks) d.decodeText(c, cb);
      return n;
    },
  },
  {
    name: "node:readline (baseline)",
    async run(chunks) {
      let n = 0;
      const rl = createInterface({
        input: Readable.from(chunks),
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      rl.on("line", (line: string) => {
        n += line.length >= 0 ? 1 : 0;
      });
      await once(rl, "close");
      return n;
    },
  },
  {
    name: "split2 (baseline)",
    async run(chunks) {
      let n = 0;
      const s = split2();
      s.on("data", (line: string) => {
        n += line.length >= 0 ? 1 : 0;
      });
      Readable.from(chunks).pipe(s);
      await once(s, "end");
      return n;
    },
  },
  {
    name: "indexOf+subarray (bytes)",
    run(chunks) {
      let n = 0;
      let rest: Buffer | null = null;
      for (let c of chunks) {
        if (rest !== null) c = Buffer.concat([rest, c]);
        let a = 0;
        let i = c.indexOf("\r\n", a);
        while (i !== -1) {
          const line = c.subarray(a, i);
          n += line.length >= 0 ? 1 : 0;
          a = i + 2;
          i = c.indexOf("\r\n", a);
        }
        rest = a < c.length ? c.subarray(a) : null;
      }
      return n;
    },
  },
  {
    name: "indexOf+toString (string)",
    run(chunks) {
      let n = 0;
      let rest: Buffer | null = null;
      for (let c of chunks) {
        if (rest !== null) c = Buffer.concat([rest, c]);
        let a = 0;
        let i = c.indexOf("\r\n", a);
        while (i !== -1) {
          const line = c.toString("utf8", a, i);
          n += line.length >= 0 ? 1 : 0;
          a = i + 2;
          i = c.indexOf("\r\n", a);
        }
        rest = a < c.length ? c.subarray(a) : null;
      }
      return n;
    },
  },
  {
    name: "chunk-split (StringDecoder+split)",
    run(chunks) {
      let n = 0;
      const dec = new StringDecoder("utf8");
      let rest = "";
      for (const c of chunks) {
        const parts = (rest + dec.write(c)).split("\r\n");
        rest = parts.pop() ?? "";
        for (const line of parts) n += line.length >= 0 ? 1 : 0;
      }
      return n;
    },
  },
];

type Row = { size: string; name: string; ms: number; linesPerSec: number; heapMiB: number };
const rows: Row[] = [];

async function measure(label: string, chunks: Buffer[], expected: number): Promise<void> {
  const times = new Map<string, number[]>(impls.map((i) => [i.name, []]));
  const heap = new Map<string, number>(impls.map((i) => [i.name, 0]));
  for (let r = -1; r < RUNS; r++) {
    // Round-robin (rotated each round) so noise from the shared machine spreads over all cases.
    for (let k = 0; k < impls.length; k++) {
      const impl = impls[(k + Math.max(r, 0)) % impls.length] as Impl;
      globalThis.gc?.();
      const t0 = performance.now();
      const n = await impl.run(chunks);
      const ms = performance.now() - t0;
      heap.set(impl.name, Math.max(heap.get(impl.name) ?? 0, process.memoryUsage().heapUsed));
      if (n !== expected) throw new Error(`${impl.name}: ${n} lines, expected ${expected}`);
      if (r >= 0) times.get(impl.name)?.push(ms);
    }
  }
  for (const impl of impls) {
    const ms = median(times.get(impl.name) ?? []);
    rows.push({
      size: label,
      name: impl.name,
      ms,
      linesPerSec: expected / (ms / 1000),
      heapMiB: (heap.get(impl.name) ?? 0) / 2 ** 20,
    });
  }
}

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);

function printTable(label: string): void {
  const sel = rows.filter((r) => r.size === label);
  const get = (name: string) => sel.find((r) => r.name === name)?.linesPerSec ?? Number.NaN;
  const best = Math.max(get("node:readline (baseline)"), get("split2 (baseline)"));
  const chunkSplit = get("chunk-split (StringDecoder+split)");
  console.log(`\n### ${label}, ${MIB} MiB in ${CHUNK / 1024} KiB chunks, median of ${RUNS}\n`);
  console.log(
    "| implementation | lines/s | × faster of readline/split2 | × chunk-split | heap after run (MiB) |",
  );
  console.log("|---|---:|---:|---:|---:|");
  for (const r of sel) {
    console.log(
      `| ${r.name} | ${fmt(r.linesPerSec)} | ${(r.linesPerSec / best).toFixed(2)} | ${(r.linesPerSec / chunkSplit).toFixed(2)} | ${r.heapMiB.toFixed(0)} |`,
    );
  }
}

console.log(`node ${process.version}; figures from a shared 2-core machine are noisy.`);
for (const size of SIZES) {
  const { chunks, lines } = makeInput(size, CHUNK);
  const label = `${size} B lines`;
  await measure(label, chunks, lines);
  printTable(label);
}
if (process.env.LR_BENCH_UTF8 === "1") {
  const { chunks, lines } = makeInput(64, CHUNK, true);
  await measure("64 B non-ASCII lines", chunks, lines);
  printTable("64 B non-ASCII lines");
}

// Per-line cost of LineReceiver as the read size grows (a port that re-slices the rest of the
// buffer per line degrades here). Baseline: the 4 KiB row.
console.log(`\n### LineReceiver (string), 64 B lines, ${MIB} MiB: cost per line vs read size\n`);
console.log("| read chunk | ns/line | × the 4 KiB cost |");
console.log("|---:|---:|---:|");
const flat: { chunk: number; nsPerLine: number }[] = [];
const lr = impls[1] as Impl;
for (const chunk of [4, 16, 64, 256].map((k) => k * 1024)) {
  const { chunks, lines } = makeInput(64, chunk);
  const times: number[] = [];
  for (let r = -1; r < RUNS; r++) {
    globalThis.gc?.();
    const t0 = performance.now();
    const n = await lr.run(chunks);
    if (n !== lines) throw new Error("wrong line count");
    if (r >= 0) times.push(performance.now() - t0);
  }
  const nsPerLine = (median(times) * 1e6) / lines;
  flat.push({ chunk, nsPerLine });
  console.log(
    `| ${chunk / 1024} KiB | ${nsPerLine.toFixed(1)} | ${(nsPerLine / (flat[0]?.nsPerLine ?? nsPerLine)).toFixed(2)} |`,
  );
}

const peakRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(
  `\nPeak RSS of the whole run: ${peakRssMiB.toFixed(0)} MiB (the input alone is ${MIB} MiB per line size).`,
);
const dir = join(process.cwd(), "bench-results");
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, "framing.json"),
  `${JSON.stringify({ node: process.version, mib: MIB, runs: RUNS, rows, flat, peakRssMiB }, null, 2)}\n`,
);
