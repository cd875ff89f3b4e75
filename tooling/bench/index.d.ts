export interface BenchOptions {
  /** The code under test. One call is one timed sample. */
  run: () => unknown;
  /** What `run` is compared with (e.g. split2 for the line decoder). */
  baseline: { name: string; run: () => unknown };
  /** Timed samples per side (default 9). The median is reported. */
  runs?: number;
  /** Untimed rounds per side before measuring (default 2). */
  warmup?: number;
}

export interface BenchResult {
  name: string;
  baseline: string;
  runs: number;
  medianMs: number;
  baselineMedianMs: number;
  /** medianMs / baselineMedianMs: below 1 means faster than the baseline. */
  ratio: number;
}

export function bench(name: string, options: BenchOptions): Promise<BenchResult>;
export function median(xs: readonly number[]): number;
export function printHeader(): void;
export function writeResults(file: string): string;
