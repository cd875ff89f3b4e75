/**
 * callLater + cancel of 1,000,000 calls on a running reactor, against setTimeout/clearTimeout and
 * against a bare binary heap with a lazy cancel flag (the floor). Delays are pseudo-random in
 * [1 s, 1000 s] so nothing fires while measuring.
 */
// The built package is measured, as users run it (turbo builds it before `bench`): the sources
// run through tsx measured up to 10% slower.
import { bench } from "@lr/bench";
import type { DelayedCall } from "../dist/index.js";
import { createReactor, nullLogger } from "../dist/index.js";
import { BareHeap, type HeapEntry } from "./_heap.js";

const N = Number(process.env.LR_BENCH_CALLS ?? 1_000_000);
const RUNS = Number(process.env.LR_BENCH_RUNS ?? 5);
const delays = new Float64Array(N);
let x = 12345;
for (let i = 0; i < N; i++) {
  x = (x * 1103515245 + 12345) & 0x7fffffff;
  delays[i] = 1000 + (x % 999_000);
}
const noop = () => {};

const reactor = createReactor({ logger: nullLogger });
const running = new Promise<void>((res) => reactor.callWhenRunning(res));
const stopped = reactor.run();
await running;

const calls: DelayedCall[] = new Array(N);
const timers: NodeJS.Timeout[] = new Array(N);
const entries: HeapEntry[] = new Array(N);

function lrSchedule(): void {
  for (let i = 0; i < N; i++) calls[i] = reactor.callLater(delays[i] as number, noop);
}
function lrCancel(): void {
  for (let i = 0; i < N; i++) (calls[i] as DelayedCall).cancel();
}
function tSchedule(): void {
  for (let i = 0; i < N; i++) timers[i] = setTimeout(noop, delays[i] as number);
}
function tCancel(): void {
  for (let i = 0; i < N; i++) clearTimeout(timers[i]);
}
let heap = new BareHeap();
// Fairness: each run starts from an empty heap on both sides, and both pay for getting rid of the
// previous run's dead entries inside the timed run: the bare heap by being replaced here, the
// scheduler by truncating its all-cancelled heap on the first callLater of the run (it compacts
// where the heap grows, not in cancel()). Neither side carries dead entries the other does not.
function hSchedule(): void {
  heap = new BareHeap();
  for (let i = 0; i < N; i++)
    entries[i] = heap.push(performance.now() + (delays[i] as number), noop);
}
function hCancel(): void {
  for (let i = 0; i < N; i++) (entries[i] as HeapEntry).cancelled = true;
}

const lr = () => {
  lrSchedule();
  lrCancel();
};
const st = () => {
  tSchedule();
  tCancel();
};
const bh = () => {
  hSchedule();
  hCancel();
};

await bench(`callLater+cancel ×${N / 1e6}M`, {
  run: lr,
  baseline: { name: "setTimeout+clearTimeout", run: st },
  runs: RUNS,
  warmup: 1,
});
await bench(`callLater+cancel ×${N / 1e6}M`, {
  run: lr,
  baseline: { name: "bare heap (lazy cancel)", run: bh },
  runs: RUNS,
  warmup: 1,
});

// ns per schedule and per cancel, median of RUNS runs each.
function med(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}
function split(schedule: () => void, cancel: () => void): { schedule: number; cancel: number } {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    schedule();
    const t1 = performance.now();
    cancel();
    const t2 = performance.now();
    a.push(((t1 - t0) * 1e6) / N);
    b.push(((t2 - t1) * 1e6) / N);
  }
  return { schedule: med(a), cancel: med(b) };
}
const rows = {
  "@lr/reactor callLater": split(lrSchedule, lrCancel),
  "setTimeout/clearTimeout": split(tSchedule, tCancel),
  "bare heap": split(hSchedule, hCancel),
};
console.log("\n| ns per call (median) | schedule | cancel |\n|---|---:|---:|");
for (const [k, v] of Object.entries(rows))
  console.log(`| ${k} | ${v.schedule.toFixed(0)} | ${v.cancel.toFixed(0)} |`);

await reactor.stop();
await stopped;
