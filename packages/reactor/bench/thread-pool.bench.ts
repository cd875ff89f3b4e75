/**
 * deferToThread overhead. Round trip: N sequential no-op jobs on a warm 1-thread pool, against N
 * sequential `worker.postMessage` echo round trips on a bare Worker (the floor: what piscina, the
 * module import cache and our outcome envelope add). Throughput: N concurrent no-op jobs on a warm
 * 2-thread pool (saturated), against N messages spread round-robin over 2 bare echo workers.
 * Needs the package built (the pool loads dist/worker.js).
 */
import { Worker } from "node:worker_threads";
import { bench } from "@lr/bench";
import { createReactor, nullLogger } from "../src/index.js";

const N = Number(process.env.LR_BENCH_JOBS ?? 2000);
const RUNS = Number(process.env.LR_BENCH_RUNS ?? 7);
const jobs = new URL("../test/fixtures/jobs.mjs", import.meta.url);

const ECHO = `const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m));`;

function echoWorker(): { worker: Worker; roundTrip(msg: unknown): Promise<unknown> } {
  const worker = new Worker(ECHO, { eval: true });
  const waiting: Array<(v: unknown) => void> = [];
  worker.on("message", (m) => waiting.shift()?.(m));
  return {
    worker,
    roundTrip(msg) {
      return new Promise((resolve) => {
        waiting.push(resolve);
        worker.postMessage(msg);
      });
    },
  };
}

async function withReactor(
  poolSize: number,
  body: (r: ReturnType<typeof createReactor>) => Promise<void>,
): Promise<void> {
  const reactor = createReactor({ logger: nullLogger, threadPoolSize: poolSize });
  const running = new Promise<void>((res) => reactor.callWhenRunning(res));
  const stopped = reactor.run();
  await running;
  await body(reactor);
  await reactor.stop();
  await stopped;
}

const task = { module: "noop", exportName: "noop", args: [] as unknown[] };

await withReactor(1, async (reactor) => {
  const bare = echoWorker();
  await Promise.all([reactor.deferToThread(jobs, "noop"), bare.roundTrip(task)]);
  await bench(`deferToThread no-op x${N}, sequential`, {
    run: async () => {
      for (let i = 0; i < N; i++) await reactor.deferToThread(jobs, "noop");
    },
    baseline: {
      name: "worker.postMessage echo",
      run: async () => {
        for (let i = 0; i < N; i++) await bare.roundTrip(task);
      },
    },
    runs: RUNS,
  });
  await bare.worker.terminate();
});

await withReactor(2, async (reactor) => {
  const bare = [echoWorker(), echoWorker()];
  await Promise.all([
    reactor.deferToThread(jobs, "noop"),
    reactor.deferToThread(jobs, "noop"),
    ...bare.map((b) => b.roundTrip(task)),
  ]);
  await bench(`deferToThread no-op x${N}, pool of 2 saturated`, {
    run: async () => {
      const all: Promise<unknown>[] = [];
      for (let i = 0; i < N; i++) all.push(reactor.deferToThread(jobs, "noop"));
      await Promise.all(all);
    },
    baseline: {
      name: "2 echo workers round-robin",
      run: async () => {
        const all: Promise<unknown>[] = [];
        for (let i = 0; i < N; i++)
          all.push((bare[i % 2] as ReturnType<typeof echoWorker>).roundTrip(task));
        await Promise.all(all);
      },
    },
    runs: RUNS,
  });
  for (const b of bare) await b.worker.terminate();
});
