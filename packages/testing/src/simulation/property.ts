import { InvalidArgumentError, LrError } from "@lr/reactor";
import { Simulation, type SimulationOptions, type SimulationRunResult } from "./simulation.js";
import type { SimulationEvent } from "./trace.js";

/** Sets up a program on a fresh {@link Simulation}; its result (or Promise) is what is checked. */
export type SimulationProgram<T> = (sim: Simulation) => T | PromiseLike<T>;

/** Checks one seed's outcome; throw (e.g. a failed `expect`) to fail the property. */
export type SimulationCheck<T> = (outcome: T, sim: Simulation) => unknown;

/** Options of {@link simulateProperty}: a {@link SimulationOptions} without the seed, and which seeds to run. */
export interface SimulatePropertyOptions extends Omit<SimulationOptions, "seed"> {
  /** How many seeds to run (`firstSeed`, `firstSeed + 1`, ...), or exactly which (default 100). */
  readonly seeds?: number | readonly number[];
  /** The first seed when `seeds` is a count (default 1). */
  readonly firstSeed?: number;
  /** Bound on each seed's run, in virtual ms (default one hour). */
  readonly maxMs?: number;
  /** Bound on each seed's clock advances (default 1,000,000). */
  readonly maxSteps?: number;
}

/** Summary of a passing {@link simulateProperty}. */
export interface SimulatePropertyResult {
  /** The seeds that ran, in order. */
  readonly seeds: readonly number[];
  /** Trace events recorded over all seeds. */
  readonly events: number;
}

/** The environment variable that makes {@link simulateProperty} run just one seed: `LR_SIM_SEED=1234`. */
export const REPLAY_SEED_ENV = "LR_SIM_SEED";

/**
 * A simulated property failed for one seed. Code `ERR_SIMULATION_PROPERTY`. The message names the
 * seed and gives a one-line snippet that replays it; `seed`, `replay`, `trace` (that seed's events)
 * and `cause` (what the program or the check threw) are kept for tools.
 */
export class SimulationPropertyError extends LrError {
  /** The failing seed. */
  readonly seed: number;
  /** One line of code that replays the failing seed. */
  readonly replay: string;
  /** The failing seed's trace. */
  readonly trace: readonly SimulationEvent[];

  constructor(
    seed: number,
    index: number,
    count: number,
    cause: unknown,
    trace: readonly SimulationEvent[],
    note = "",
  ) {
    const replay = `await simulateProperty({ ...options, seeds: [${seed}] }, program, check);`;
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      "ERR_SIMULATION_PROPERTY",
      `Simulation property failed for seed ${seed} (seed ${index + 1} of ${count})${note}\n` +
        `  replay: ${replay}\n` +
        `  or: ${REPLAY_SEED_ENV}=${seed} vitest run <this test file>\n` +
        `  cause: ${why}`,
      { cause },
    );
    this.seed = seed;
    this.replay = replay;
    this.trace = trace;
  }
}

function seedList(options: SimulatePropertyOptions): number[] {
  const replay = typeof process !== "undefined" ? process.env[REPLAY_SEED_ENV] : undefined;
  if (replay !== undefined && replay !== "") {
    const seed = Number(replay);
    if (!Number.isSafeInteger(seed))
      throw new InvalidArgumentError(`${REPLAY_SEED_ENV} must be an integer seed, got ${replay}.`);
    return [seed];
  }
  const seeds = options.seeds ?? 100;
  if (typeof seeds !== "number") return [...seeds];
  const first = options.firstSeed ?? 1;
  if (!Number.isSafeInteger(seeds) || seeds < 0 || !Number.isSafeInteger(first))
    throw new InvalidArgumentError(
      "simulateProperty(): seeds must be a count >= 0 or a list of integers.",
    );
  return Array.from({ length: seeds }, (_, i) => first + i);
}

interface Outcome {
  readonly sim: Simulation;
  readonly failure: { readonly error: unknown } | null;
}

async function runSeed<T>(
  seed: number,
  options: SimulatePropertyOptions,
  program: SimulationProgram<T>,
  check: SimulationCheck<T>,
): Promise<Outcome> {
  const { seeds: _seeds, firstSeed: _first, maxMs, maxSteps, ...simOptions } = options;
  const sim = new Simulation({ ...simOptions, seed });
  try {
    let settled = false;
    let value: T | undefined;
    let failed: { error: unknown } | null = null;
    Promise.resolve(program(sim)).then(
      (v) => {
        settled = true;
        value = v;
      },
      (error: unknown) => {
        settled = true;
        failed = { error };
      },
    );
    const run: SimulationRunResult = await sim.run({
      until: () => settled,
      untilMs: sim.now() + (maxMs ?? 3_600_000),
      ...(maxSteps !== undefined && { maxSteps }),
    });
    if (failed) return { sim, failure: failed };
    if (!settled)
      return {
        sim,
        failure: {
          error: new Error(
            `the program did not finish: the run stopped (${run.reason}) at ${run.nowMs} ms of virtual time`,
          ),
        },
      };
    await check(value as T, sim);
    return { sim, failure: null };
  } catch (error) {
    return { sim, failure: { error } };
  }
}

/**
 * Runs `program` on a fresh {@link Simulation} for each seed, drives it in virtual time until the
 * program's result settles, then calls `check(result, sim)`. Resolves when every seed passes; rejects
 * with a {@link SimulationPropertyError} for the first seed that fails (the program throws or never
 * finishes, or `check` throws), naming the seed and a one-line replay. The failing seed is replayed
 * once to confirm the program is deterministic (the message says so if it is not). Setting the
 * environment variable `LR_SIM_SEED` runs that seed only.
 *
 * @example
 * ```ts
 * await simulateProperty(
 *   { seeds: 500, faults: ALL_FAULTS },
 *   (sim) => runMyScenario(sim),
 *   (outcome) => expect(outcome.lost).toBe(0),
 * );
 * ```
 */
export async function simulateProperty<T>(
  options: SimulatePropertyOptions,
  program: SimulationProgram<T>,
  check: SimulationCheck<T>,
): Promise<SimulatePropertyResult> {
  const seeds = seedList(options);
  let events = 0;
  for (const [index, seed] of seeds.entries()) {
    const { sim, failure } = await runSeed(seed, options, program, check);
    events += sim.trace.length;
    if (!failure) continue;
    const again = await runSeed(seed, options, program, check);
    const same = JSON.stringify(again.sim.trace) === JSON.stringify(sim.trace);
    const note = same
      ? ""
      : " (replaying this seed gave a different trace: the program is not deterministic, e.g. it reads real time or Math.random)";
    throw new SimulationPropertyError(seed, index, seeds.length, failure.error, sim.trace, note);
  }
  return { seeds, events };
}
