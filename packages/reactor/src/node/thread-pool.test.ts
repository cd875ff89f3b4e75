import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { JobCancelledError, JobResultNotCloneableError } from "../core/errors.js";
import { nullLogger } from "../core/logger.js";
import { createReactor, type Reactor } from "./reactor.js";
import { ThreadPool } from "./thread-pool.js";

const jobs = new URL("../../test/fixtures/jobs.mjs", import.meta.url);
const distWorker = fileURLToPath(new URL("../../dist/worker.js", import.meta.url));

type WaitAsync = (
  cells: Int32Array,
  index: number,
  value: number,
) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** A shared cell pair for the `block` fixture: [0] = jobs started, [1] = release flag. */
function blocker() {
  const shared = new SharedArrayBuffer(8);
  const cells = new Int32Array(shared);
  return {
    shared,
    async started(n: number): Promise<void> {
      for (;;) {
        const seen = Atomics.load(cells, 0);
        if (seen >= n) return;
        const r = waitAsync(cells, 0, seen);
        if (r.async) await r.value;
      }
    },
    count: () => Atomics.load(cells, 0),
    release(): void {
      Atomics.store(cells, 1, 1);
      Atomics.notify(cells, 1);
    },
  };
}

/** OS threads of this process (Linux), to prove that no worker thread outlives a stop. */
function osThreads(): number | null {
  if (!existsSync("/proc/self/status")) return null;
  const m = /^Threads:\s+(\d+)/m.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : null;
}

function resourceCounts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/** Runs `body` inside one run of `reactor`, stops it, and returns body's outcome. */
async function during<T>(reactor: Reactor, body: () => Promise<T>): Promise<T> {
  let outcome!: Promise<T>;
  reactor.callWhenRunning(() => {
    outcome = body();
    void outcome.then(
      () => reactor.stop(),
      () => reactor.stop(),
    );
  });
  await reactor.run();
  return outcome;
}

let reactor: Reactor;

beforeAll(() => {
  if (!existsSync(distWorker)) {
    throw new Error(
      `${distWorker} is missing: the thread pool loads the built worker entry. Run \`pnpm --filter @lr/reactor build\` first.`,
    );
  }
});

afterEach(async () => {
  if (reactor !== undefined && reactor.state !== "stopped") await reactor.stop();
});

describe("deferToThread", () => {
  it("runs a named export with arguments and returns its result (sync and async)", async () => {
    reactor = createReactor({ logger: nullLogger });
    const results = await during(reactor, () =>
      Promise.all([
        reactor.deferToThread<number>(jobs, "add", 2, 3),
        reactor.deferToThread<number>(jobs.href, "asyncDouble", 21),
      ]),
    );
    expect(results).toEqual([5, 42]);
  });

  it("rejects with the worker's error: name, message, stack and code", async () => {
    reactor = createReactor({ logger: nullLogger });
    const [quota, type, rejected, str, missing] = await during(reactor, () =>
      Promise.allSettled([
        reactor.deferToThread(jobs, "throwQuota", "too much"),
        reactor.deferToThread(jobs, "throwType"),
        reactor.deferToThread(jobs, "rejectLater", "later"),
        reactor.deferToThread(jobs, "throwString"),
        reactor.deferToThread(jobs, "noSuchExport"),
      ]),
    );
    expect(quota).toMatchObject({
      status: "rejected",
      reason: { name: "QuotaError", message: "too much", code: "E_QUOTA" },
    });
    const q = (quota as PromiseRejectedResult).reason as Error;
    expect(q).toBeInstanceOf(Error);
    expect(q.stack).toContain("QuotaError: too much");
    expect(q.stack).toContain("jobs.mjs");
    const t = (type as PromiseRejectedResult).reason as Error;
    expect(t).toBeInstanceOf(TypeError);
    expect(t.name).toBe("TypeError");
    expect(t.stack).toContain("throwType");
    expect(rejected).toMatchObject({ status: "rejected", reason: { message: "later" } });
    expect(str).toMatchObject({ status: "rejected", reason: { message: "plain string" } });
    expect(missing).toMatchObject({
      status: "rejected",
      reason: { name: "TypeError", message: expect.stringContaining("noSuchExport") },
    });
  });

  it("a result that cannot be cloned rejects with JobResultNotCloneableError naming its type", async () => {
    reactor = createReactor({ logger: nullLogger });
    const outcomes = await during(reactor, () =>
      Promise.allSettled([
        reactor.deferToThread(jobs, "returnFunction"),
        reactor.deferToThread(jobs, "returnSymbol"),
        reactor.deferToThread(jobs, "returnObjectWithMethod"),
        reactor.deferToThread<number>(jobs, "add", 1, 2),
      ]),
    );
    const reasons = outcomes.slice(0, 3).map((o) => (o as PromiseRejectedResult).reason as Error);
    for (const r of reasons) {
      expect(r).toBeInstanceOf(JobResultNotCloneableError);
      expect(r).toMatchObject({ code: "ERR_JOB_RESULT_NOT_CLONEABLE" });
    }
    expect(reasons[0]?.message).toContain("a function (notCloneable)");
    expect(reasons[1]?.message).toContain("a symbol");
    expect(reasons[2]?.message).toContain("an object");
    // The pool goes on working.
    expect(outcomes[3]).toEqual({ status: "fulfilled", value: 3 });
  });

  it("runInThread transfers buffers listed in transferList", async () => {
    reactor = createReactor({ logger: nullLogger });
    const buffer = new ArrayBuffer(1024);
    const n = await during(reactor, () =>
      reactor.runInThread<number>({
        module: jobs,
        exportName: "byteLength",
        args: [buffer],
        transferList: [buffer],
      }),
    );
    expect(n).toBe(1024);
    expect(buffer.byteLength).toBe(0); // detached: it was moved, not copied
  });

  it("a job submitted before run() waits for the reactor to run", async () => {
    reactor = createReactor({ logger: nullLogger });
    let settled = false;
    const p = reactor.deferToThread<number>(jobs, "add", 1, 1);
    void p.then(() => (settled = true));
    await new Promise<void>((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(reactor.getResources()).toEqual([
      { kind: "thread-job", description: "1 thread job(s) pending" },
    ]);
    const value = await during(reactor, () => p);
    expect(value).toBe(2);
  });

  it("stop() cancels running and queued jobs with ERR_JOB_CANCELLED and terminates every worker", async () => {
    reactor = createReactor({ logger: nullLogger, threadPoolSize: 1 });
    const b = blocker();
    let running!: Promise<unknown>;
    let queued!: Promise<unknown>;
    reactor.callWhenRunning(() => {
      running = reactor.deferToThread(jobs, "block", b.shared);
      queued = reactor.deferToThread(jobs, "add", 1, 2);
      void b.started(1).then(() => reactor.stop());
    });
    await reactor.run();
    await expect(running).rejects.toBeInstanceOf(JobCancelledError);
    await expect(running).rejects.toMatchObject({ code: "ERR_JOB_CANCELLED" });
    await expect(queued).rejects.toMatchObject({ code: "ERR_JOB_CANCELLED" });
    expect(reactor.getResources()).toEqual([]);
    b.release();
  });

  it("a job submitted after a stop waits for, and runs in, the next run", async () => {
    reactor = createReactor({ logger: nullLogger });
    reactor.callWhenRunning(() => void reactor.stop());
    await reactor.run();
    const p = reactor.deferToThread<number>(jobs, "add", 4, 4);
    await expect(during(reactor, () => p)).resolves.toBe(8);
  });

  it("an AbortSignal cancels a running job (its worker is terminated) and the pool keeps working", async () => {
    reactor = createReactor({ logger: nullLogger, threadPoolSize: 1 });
    const b = blocker();
    const ac = new AbortController();
    const [cancelled, after] = await during(reactor, async () => {
      const job = reactor.runInThread({
        module: jobs,
        exportName: "block",
        args: [b.shared],
        signal: ac.signal,
      });
      await b.started(1);
      ac.abort(new Error("enough"));
      const outcome = await job.then(
        () => null,
        (e: unknown) => e,
      );
      // The blocked worker can only be gone if it was terminated: the same single-thread pool runs the next job.
      const next = await reactor.deferToThread<number>(jobs, "add", 20, 22);
      return [outcome, next] as const;
    });
    expect(cancelled).toBeInstanceOf(JobCancelledError);
    expect(cancelled).toMatchObject({
      code: "ERR_JOB_CANCELLED",
      cause: expect.objectContaining({ message: "enough" }),
    });
    expect(after).toBe(42);
    b.release();
  });

  it("an AbortSignal cancels a job still queued before run(), and an already-aborted one at once", async () => {
    reactor = createReactor({ logger: nullLogger });
    const ac = new AbortController();
    const queued = reactor.runInThread({ module: jobs, exportName: "noop", signal: ac.signal });
    ac.abort();
    await expect(queued).rejects.toMatchObject({ code: "ERR_JOB_CANCELLED" });
    expect(reactor.getResources()).toEqual([]);
    const early = await during(reactor, () =>
      reactor.runInThread({ module: jobs, exportName: "noop", signal: AbortSignal.abort() }).then(
        () => null,
        (e: unknown) => e,
      ),
    );
    expect(early).toMatchObject({ code: "ERR_JOB_CANCELLED" });
  });

  it("a job cancelled by close() while the pool is still being created starts no worker", async () => {
    const pool = new ThreadPool({ maxThreads: 1 });
    // piscina is loaded (and the pool made) on the first job, after at least one await: close()
    // called synchronously lands in that gap.
    const job = pool.run({ module: jobs, exportName: "add", args: [1, 2] });
    await pool.close();
    await expect(job).rejects.toMatchObject({ code: "ERR_JOB_CANCELLED" });
    expect(pool.threads).toBe(0);
    expect(pool.pending).toBe(0);
    // Still usable afterwards.
    await expect(pool.run({ module: jobs, exportName: "add", args: [1, 2] })).resolves.toBe(3);
    await pool.close();
  });

  it("sizes the pool with threadPoolSize", async () => {
    reactor = createReactor({ logger: nullLogger, threadPoolSize: 2 });
    const b = blocker();
    const settled = await during(reactor, async () => {
      const all = [1, 2, 3, 4].map(() => reactor.deferToThread(jobs, "block", b.shared));
      await b.started(2);
      // Two are running; the other two must still be queued. A third start would need a third thread.
      const resources = reactor.getResources();
      const startedBeforeRelease = b.count();
      b.release();
      const results = await Promise.all(all);
      return { resources, startedBeforeRelease, results };
    });
    expect(settled.startedBeforeRelease).toBe(2);
    expect(settled.resources).toContainEqual({
      kind: "thread-pool",
      description: "2 worker thread(s)",
    });
    expect(settled.results).toEqual(["released", "released", "released", "released"]);
  });

  it("restarts: run/stop cycles with a job each leave no worker thread and no handle behind", async () => {
    // process.stdout/stderr create their pipe handles on first use (the test runner may touch them
    // at any time during a long test): create them now so they are part of the baseline.
    void process.stdout.writable;
    void process.stderr.writable;
    const resourcesBefore = resourceCounts();
    reactor = createReactor({ logger: nullLogger, threadPoolSize: 1 });
    // Warm up once so lazily created process-wide threads (libuv pool, V8 helpers) exist in the baseline.
    await during(reactor, () => reactor.deferToThread(jobs, "noop"));
    await new Promise<void>((r) => setImmediate(r));
    const threadsBefore = osThreads();
    const CYCLES = Number(process.env.LR_THREAD_RESTART_CYCLES ?? 1000);
    let sum = 0;
    const t0 = performance.now();
    for (let i = 0; i < CYCLES; i++) {
      sum += await during(reactor, () => reactor.deferToThread<number>(jobs, "add", i, 1));
      if (osThreads() !== null && i % 50 === 0) expect(osThreads()).toBe(threadsBefore);
    }
    const ms = performance.now() - t0;
    expect(sum).toBe((CYCLES * (CYCLES - 1)) / 2 + CYCLES);
    expect(reactor.getResources()).toEqual([]);
    expect(osThreads()).toBe(threadsBefore);
    await new Promise<void>((r) => setImmediate(r));
    // Nothing new may be left (a timer of an earlier test may have expired meanwhile, hence <=).
    const after = resourceCounts();
    for (const [kind, n] of Object.entries(after))
      expect(n, kind).toBeLessThanOrEqual(resourcesBefore[kind] ?? 0);
    process.stdout.write(
      `[thread-pool] ${CYCLES} run/stop cycles with a job each: ${ms.toFixed(0)} ms (${(ms / CYCLES).toFixed(1)} ms/cycle)\n`,
    );
  }, 120_000);
});
