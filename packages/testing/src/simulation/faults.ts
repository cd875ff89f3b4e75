import { InvalidArgumentError } from "@lr/reactor";
import type { Range } from "./prng.js";

/**
 * The faults a {@link Simulation}'s network injects, each off by default. Every decision is drawn
 * from the simulation's seeded generator, so a seed replays the same schedule of faults.
 */
export interface SimulationFaults {
  /** Virtual delay of each delivery, ms, drawn in `[min, max]` (order is always kept). */
  readonly latencyMs?: Range;
  /**
   * Writes are split at random byte boundaries, and writes queued together are delivered as one
   * `dataReceived` (order kept): a protocol sees any chunking a real network can produce.
   */
  readonly chunking?: boolean;
  /** Probability, per delivery, that the connection is reset instead: both ends see `ConnectionLost`. */
  readonly resetProbability?: number;
  /** Probability, per connection attempt, that it is refused (`ConnectionRefusedError`) although someone listens. */
  readonly refuseProbability?: number;
  /** Virtual delay of each connection attempt, ms, drawn in `[min, max]`. */
  readonly connectDelayMs?: Range;
  /**
   * A receiver stops reading for a while, drawn in `[min, max]` ms: bytes pile up at the sender (its
   * `bufferedAmount` grows and a streaming producer is paused). See `stallProbability`.
   */
  readonly stallMs?: Range;
  /** With `stallMs`: probability, per delivery, that the receiver stalls (default 0.05). */
  readonly stallProbability?: number;
  /**
   * With `stallMs`: buffered bytes at which a sender's registered streaming producer is paused
   * (resumed once the buffer has drained; default 64 KiB).
   */
  readonly highWaterMark?: number;
}

/**
 * Every fault on, at rates that make each one happen within a short program: the setting used by
 * lr's own simulation suites and benchmark.
 *
 * @example
 * ```ts
 * const sim = new Simulation({ seed, faults: ALL_FAULTS });
 * ```
 */
export const ALL_FAULTS: SimulationFaults = Object.freeze({
  latencyMs: [0, 50] as const,
  chunking: true,
  resetProbability: 0.01,
  refuseProbability: 0.05,
  connectDelayMs: [0, 100] as const,
  stallMs: [0, 2000] as const,
});

/** The faults with every default filled in (`null` = off). */
export interface ResolvedFaults {
  readonly latencyMs: Range | null;
  readonly chunking: boolean;
  readonly resetProbability: number;
  readonly refuseProbability: number;
  readonly connectDelayMs: Range | null;
  readonly stallMs: Range | null;
  readonly stallProbability: number;
  readonly highWaterMark: number;
}

function range(name: string, value: Range | undefined): Range | null {
  if (value === undefined) return null;
  const [min, max] = value;
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !(min >= 0) ||
    !(max >= min) ||
    !Number.isFinite(max)
  )
    throw new InvalidArgumentError(
      `faults.${name} must be [min, max] with 0 <= min <= max (finite), got ${JSON.stringify(value)}.`,
    );
  return [min, max];
}

function probability(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value >= 0 && value <= 1))
    throw new InvalidArgumentError(
      `faults.${name} must be a probability in [0, 1], got ${String(value)}.`,
    );
  return value;
}

/** Checks `faults` and fills in the defaults. Throws `InvalidArgumentError` for a bad value. */
export function resolveFaults(faults: SimulationFaults = {}): ResolvedFaults {
  const highWaterMark = faults.highWaterMark ?? 65_536;
  if (!(highWaterMark > 0))
    throw new InvalidArgumentError(
      `faults.highWaterMark must be positive, got ${String(highWaterMark)}.`,
    );
  return {
    latencyMs: range("latencyMs", faults.latencyMs),
    chunking: faults.chunking === true,
    resetProbability: probability("resetProbability", faults.resetProbability, 0),
    refuseProbability: probability("refuseProbability", faults.refuseProbability, 0),
    connectDelayMs: range("connectDelayMs", faults.connectDelayMs),
    stallMs: range("stallMs", faults.stallMs),
    stallProbability: probability("stallProbability", faults.stallProbability, 0.05),
    highWaterMark,
  };
}
