/**
 * Simulation speed: 1,000 seeds of the seed scenario (a line server; a client that runs the SAME
 * reactor 3 times: connect, a 5 s thread job, send `finished`, stop 5 s later) with every fault on
 * (`ALL_FAULTS`), against the same seeds on a perfect network. Reported as seeds/s; the goal is
 * 1,000 seeds in under 10 s on the 2-core dev machine.
 *
 * LR_BENCH_SEEDS (default 1000) and LR_BENCH_RUNS (default 3) shorten it.
 */
// The built package is measured, as users run it (turbo builds it before `bench`).
import { bench } from "@lr/bench";
import type { Simulation as SimulationClass, SimulationFaults } from "../dist/index.js";
import { ALL_FAULTS, Simulation } from "../dist/index.js";
import { clientFactory, serverFactory } from "../test/seed-scenario.js";

const SEEDS = Number(process.env.LR_BENCH_SEEDS ?? 1000);
const RUNS = Number(process.env.LR_BENCH_RUNS ?? 3);

let events = 0;
let tries = 0;

/** One seed: the seed scenario on two hosts; resolves when the client's 3 tries are over. */
async function seedScenario(sim: SimulationClass): Promise<void> {
  const server = sim.host("server");
  const client = sim.host("client");
  const trace = () => {};
  server.listenTCP(9000, serverFactory(trace));
  void server.run();
  const factory = clientFactory(client, trace, "./long-job.js");
  // The seed client never gives up on a refused or lost connection: end the try, as lr-client does.
  const stop = () => {
    if (client.state === "running") void client.stop();
  };
  factory.clientConnectionFailed = stop;
  factory.clientConnectionLost = stop;
  // The seed's main loop (runClient in src/examples/seed-scenario.ts), on host "server".
  for (let left = 3; left > 0; left--) {
    client.connectTCP("server", 9000, factory, { timeoutMs: 30_000 });
    await client.run();
    tries++;
  }
  await server.stop();
}

async function seeds(faults: SimulationFaults): Promise<void> {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const sim = new Simulation({
      seed,
      faults,
      threadJobMs: (job) => Number(job.args[0]) * 1000,
    });
    let done = false;
    void seedScenario(sim).then(() => {
      done = true;
    });
    const result = await sim.run({ until: () => done, untilMs: 3_600_000 });
    if (result.reason !== "until") throw new Error(`seed ${seed}: stopped (${result.reason})`);
    events += sim.trace.length;
  }
}

const started = performance.now();
await seeds(ALL_FAULTS);
const firstMs = performance.now() - started;
console.log(
  `first pass: ${SEEDS} seeds, all faults: ${firstMs.toFixed(0)} ms (${((SEEDS * 1000) / firstMs).toFixed(0)} seeds/s), ${tries} tries, ${events} trace events`,
);

const result = await bench(`Simulation ${SEEDS} seeds, ALL_FAULTS`, {
  run: () => seeds(ALL_FAULTS),
  baseline: { name: "same seeds, perfect network", run: () => seeds({}) },
  runs: RUNS,
  warmup: 0,
});
const perSecond = (SEEDS * 1000) / result.medianMs;
console.log(
  `\n${SEEDS} seeds of the seed scenario with every fault on: median ${result.medianMs.toFixed(0)} ms = ${perSecond.toFixed(0)} seeds/s` +
    ` (1,000 seeds in ${(1_000_000 / perSecond / 1000).toFixed(2)} s; goal: under 10 s); perfect network: ${((SEEDS * 1000) / result.baselineMedianMs).toFixed(0)} seeds/s`,
);
