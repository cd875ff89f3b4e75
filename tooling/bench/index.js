// @ts-check
// A tiny in-process benchmark harness: a case and its baseline run alternately
// in the same process, each `runs` times; we report the medians and the ratio.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

let headerPrinted = false;
/** @type {import("./index.js").BenchResult[]} */
const results = [];

/** @param {number[]} xs */
export function median(xs) {
  if (xs.length === 0) throw new RangeError("median of an empty list");
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1
    ? /** @type {number} */ (s[mid])
    : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** @param {() => unknown} fn */
async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** @param {string} s @param {number} n */
const pad = (s, n) => (s.length >= n ? s : s + " ".repeat(n - s.length));
/** @param {string} s @param {number} n */
const lpad = (s, n) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

export function printHeader() {
  if (headerPrinted) return;
  headerPrinted = true;
  console.log(
    `| ${pad("case", 40)} | ${lpad("median ms", 10)} | ${pad("baseline", 24)} | ${lpad("base ms", 10)} | ${lpad("ratio", 7)} |`,
  );
  console.log(
    `|${"-".repeat(42)}|${"-".repeat(11)}:|${"-".repeat(26)}|${"-".repeat(11)}:|${"-".repeat(8)}:|`,
  );
}

/**
 * Run `options.run` and `options.baseline.run` alternately, `runs` times each
 * after `warmup` untimed rounds, and print one table row.
 * @param {string} name
 * @param {import("./index.js").BenchOptions} options
 * @returns {Promise<import("./index.js").BenchResult>}
 */
export async function bench(name, options) {
  const { run, baseline, runs = 9, warmup = 2 } = options;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError("runs must be a positive integer");
  for (let i = 0; i < warmup; i++) {
    await run();
    await baseline.run();
  }
  /** @type {number[]} */
  const caseTimes = [];
  /** @type {number[]} */
  const baseTimes = [];
  for (let i = 0; i < runs; i++) {
    // Alternate the order so neither side always runs on a "warm" or "cold" heap.
    if (i % 2 === 0) {
      caseTimes.push(await time(run));
      baseTimes.push(await time(baseline.run));
    } else {
      baseTimes.push(await time(baseline.run));
      caseTimes.push(await time(run));
    }
  }
  const result = {
    name,
    baseline: baseline.name,
    runs,
    medianMs: median(caseTimes),
    baselineMedianMs: median(baseTimes),
    ratio: median(caseTimes) / median(baseTimes),
  };
  results.push(result);
  printHeader();
  console.log(
    `| ${pad(name, 40)} | ${lpad(result.medianMs.toFixed(2), 10)} | ${pad(baseline.name, 24)} | ${lpad(result.baselineMedianMs.toFixed(2), 10)} | ${lpad(`${result.ratio.toFixed(2)}x`, 7)} |`,
  );
  return result;
}

/**
 * Write every result of this process to bench-results/<file>.json (relative
 * to the current directory, i.e. the package when run by `pnpm bench`).
 * @param {string} file
 */
export function writeResults(file) {
  const dir = join(process.cwd(), "bench-results");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${file}.json`);
  writeFileSync(path, `${JSON.stringify({ node: process.version, results }, null, 2)}\n`);
  return path;
}
