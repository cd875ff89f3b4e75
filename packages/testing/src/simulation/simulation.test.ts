import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ClientFactory, type Connector, type Producer, Protocol, ServerFactory } from "@lr/reactor";
import { describe, expect, it, vi } from "vitest";
import { runEcho } from "../../test/simulation-scenario.js";
import { AccumulatingProtocol } from "../transport/accumulating-protocol.js";
import { ALL_FAULTS, type SimulationFaults } from "./faults.js";
import { Simulation } from "./simulation.js";
import type { SimulationEvent, SimulationFaultKind } from "./trace.js";

const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

function faultKinds(trace: readonly SimulationEvent[]): Set<SimulationFaultKind> {
  const kinds = new Set<SimulationFaultKind>();
  for (const e of trace) if (e.type === "fault") kinds.add(e.fault);
  return kinds;
}

/** Runs the echo scenario over `seeds` seeds with `faults`; returns every trace. */
async function traces(faults: SimulationFaults, seeds = 20): Promise<SimulationEvent[][]> {
  const out: SimulationEvent[][] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const { sim } = await runEcho(seed, faults);
    out.push([...sim.trace]);
  }
  return out;
}

describe("Simulation: determinism", () => {
  it("gives a deep-equal trace for the same seed and program, with every fault on", async () => {
    for (const seed of [1, 2, 77]) {
      const a = await runEcho(seed);
      const b = await runEcho(seed);
      expect(b.trace).toEqual(a.trace);
      expect(b.outcome).toEqual(a.outcome);
    }
  });

  it("gives the same trace in another process (a child process replays the seed)", async () => {
    const seed = 31;
    const here = await runEcho(seed);
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "test/simulation-child.ts", String(seed)],
      {
        cwd: PACKAGE_DIR,
        encoding: "utf8",
        timeout: 60_000,
        killSignal: "SIGKILL",
      },
    );
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual(JSON.parse(JSON.stringify(here.trace)));
    expect((here.trace as unknown[]).length).toBeGreaterThan(20);
  });

  it("gives different fault schedules for different seeds", async () => {
    const all = await traces(ALL_FAULTS, 10);
    const distinct = new Set(all.map((t) => JSON.stringify(t)));
    expect(distinct.size).toBe(10);
  });

  it("keeps a JSON-serialisable trace and reports its seed", async () => {
    const { sim } = await runEcho(5);
    expect(sim.seed).toBe(5);
    expect(JSON.parse(JSON.stringify(sim.trace))).toEqual(sim.trace);
    for (const e of sim.trace) expect(typeof e.t).toBe("number");
  });

  it("never reads Math.random or the real time", async () => {
    const random = vi.spyOn(Math, "random");
    const now = vi.spyOn(Date, "now");
    const perf = vi.spyOn(performance, "now");
    try {
      await runEcho(3);
      expect(random).not.toHaveBeenCalled();
      expect(now).not.toHaveBeenCalled();
      expect(perf).not.toHaveBeenCalled();
    } finally {
      random.mockRestore();
      now.mockRestore();
      perf.mockRestore();
    }
  });
});

describe("Simulation: each fault kind shows in the trace", () => {
  it("a perfect network (no faults) records no fault, and every echo arrives", async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const { sim, outcome } = await runEcho(seed, {});
      expect(faultKinds(sim.trace).size).toBe(0);
      expect(outcome).toMatchObject({ complete: true, echoed: 20, serverLines: 20, tries: 1 });
    }
  });

  it("latencyMs: deliveries wait, within the range", async () => {
    const all = (await traces({ latencyMs: [5, 40] }, 5)).flat();
    const latencies = all.flatMap((e) =>
      e.type === "fault" && e.fault === "latency" ? [e.ms] : [],
    );
    expect(latencies.length).toBeGreaterThan(0);
    for (const ms of latencies) expect(ms >= 5 && ms <= 40).toBe(true);
    expect(faultKinds(all)).toEqual(new Set(["latency"]));
  });

  it("chunking: writes are split, and writes queued together arrive coalesced", async () => {
    const all = (await traces({ chunking: true, latencyMs: [1, 10] }, 5)).flat();
    const chunks = all.filter((e) => e.type === "fault" && e.fault === "chunk");
    expect(chunks.length).toBeGreaterThan(0);
    const biggestWrite = Math.max(...all.flatMap((e) => (e.type === "write" ? [e.bytes] : [])));
    const biggestDelivery = Math.max(
      ...all.flatMap((e) => (e.type === "deliver" ? [e.bytes] : [])),
    );
    expect(biggestDelivery).toBeGreaterThan(biggestWrite);
  });

  it("resetProbability: the connection is reset and both ends see ConnectionLost", async () => {
    const all = await traces({ resetProbability: 0.3 }, 10);
    const reset = all.find((t) => faultKinds(t).has("reset"));
    expect(reset).toBeDefined();
    const event = reset?.find((e) => e.type === "fault" && e.fault === "reset");
    const conn = event && "conn" in event ? event.conn : -1;
    const closed = reset?.filter((e) => e.type === "closed" && e.conn === conn) ?? [];
    expect(closed.map((e) => (e.type === "closed" ? [e.host, e.reason] : []))).toEqual([
      ["client", "ERR_CONNECTION_LOST"],
      ["server", "ERR_CONNECTION_LOST"],
    ]);
  });

  it("refuseProbability: attempts are refused although the server listens", async () => {
    const { sim, outcome } = await runEcho(1, { refuseProbability: 1 });
    expect(outcome).toMatchObject({ tries: 3, complete: false, serverLines: 0 });
    expect(sim.trace.filter((e) => e.type === "fault" && e.fault === "refuse")).toHaveLength(3);
    expect(sim.trace.some((e) => e.type === "connected")).toBe(false);
  });

  it("connectDelayMs: attempts take time, within the range", async () => {
    const { sim } = await runEcho(2, { connectDelayMs: [200, 300] });
    const delay = sim.trace.find((e) => e.type === "fault" && e.fault === "connectDelay");
    expect(delay).toMatchObject({ t: 0, host: "client", to: "server:9000" });
    const ms = delay && "ms" in delay ? delay.ms : 0;
    expect(ms >= 200 && ms <= 300).toBe(true);
    expect(sim.trace.find((e) => e.type === "connected")?.t).toBe(ms);
  });

  it("stallMs: a receiver stops reading for a while, then gets everything, in order", async () => {
    const all = await traces({ stallMs: [100, 500], stallProbability: 1 }, 5);
    for (const t of all) {
      const stall = t.find((e) => e.type === "fault" && e.fault === "stall");
      expect(stall).toBeDefined();
    }
    for (let seed = 1; seed <= 5; seed++) {
      const { outcome } = await runEcho(seed, { stallMs: [100, 500], stallProbability: 0.5 });
      expect(outcome).toMatchObject({ complete: true, echoed: 20, serverLines: 20 });
    }
  });
});

describe("Simulation: stalls exercise back-pressure", () => {
  it("pauses a streaming producer at the high-water mark and resumes it once drained", async () => {
    const sim = new Simulation({
      seed: 9,
      faults: { stallMs: [1000, 1000], stallProbability: 1, highWaterMark: 16_384 },
    });
    const server = sim.host("server");
    const client = sim.host("client");
    const received = new AccumulatingProtocol();
    server.listenTCP(
      9000,
      new (class extends ServerFactory {
        override buildProtocol() {
          return received;
        }
      })(),
    );
    const total = 256 * 1024;
    const events: string[] = [];
    class Streamer extends Protocol implements Producer {
      sent = 0;
      paused = false;
      override connectionMade(): void {
        this.transport?.registerProducer(this, true);
        this.#pump();
      }
      #pump(): void {
        while (!this.paused && this.sent < total) {
          this.transport?.write(Buffer.alloc(4096, this.sent / 4096));
          this.sent += 4096;
          if (this.sent % 32_768 === 0) {
            client.callLater(1, () => this.#pump());
            return;
          }
        }
        if (this.sent >= total) {
          this.transport?.unregisterProducer();
          this.transport?.loseConnection();
        }
      }
      pauseProducing(): void {
        events.push(`pause@${client.now()}`);
        this.paused = true;
      }
      resumeProducing(): void {
        events.push(`resume@${client.now()}`);
        this.paused = false;
        this.#pump();
      }
      stopProducing(): void {}
    }
    client.connectTCP("server", 9000, ClientFactory.forProtocol(Streamer));
    void server.run();
    void client.run();
    const result = await sim.run({ until: () => received.closed > 0, untilMs: 60_000 });
    expect(result.reason).toBe("until");
    expect(events[0]).toMatch(/^pause@/);
    expect(events.some((e) => e.startsWith("resume@1"))).toBe(true);
    expect(received.data.length).toBe(total);
    for (let i = 0; i < total; i += 4096) expect(received.data[i]).toBe((i / 4096) & 0xff);
    expect(sim.trace.some((e) => e.type === "fault" && e.fault === "stall")).toBe(true);
  });
});

describe("Simulation: hosts, clock and run()", () => {
  it("host(name) returns one reactor per name, reachable by that name only", async () => {
    const sim = new Simulation({ seed: 1 });
    const a = sim.host("a");
    expect(sim.host("a")).toBe(a);
    expect(a.name).toBe("a");
    const b = sim.host("b");
    a.listenTCP(7000, ServerFactory.forProtocol(Protocol));
    const outcomes: string[] = [];
    const factory = new (class extends ClientFactory {
      override protocol = Protocol;
      override clientConnectionFailed(_c: Connector, reason: Error): void {
        outcomes.push(String((reason as { code?: string }).code));
      }
    })();
    void a.run();
    void b.run();
    b.connectTCP("nowhere", 7000, factory);
    b.connectTCP("localhost", 7000, factory); // b's own loopback: nothing listens there
    const ok = b.connectTCP("a", 7000, factory);
    a.connectTCP("localhost", 7000, factory); // a's loopback reaches a
    await sim.run({ untilMs: 10 });
    expect(outcomes).toHaveLength(2);
    expect(outcomes.every((o) => o === "ERR_CONNECTION_REFUSED")).toBe(true);
    expect(ok.state).toBe("connected");
    expect(sim.trace.filter((e) => e.type === "refused")).toHaveLength(2);
    expect(sim.trace.filter((e) => e.type === "connected")).toEqual([
      { t: 0, type: "connected", conn: 1, client: "b", server: "a" },
      { t: 0, type: "connected", conn: 2, client: "a", server: "a" },
    ]);
    expect(sim.hosts.map((h) => h.name)).toEqual(["a", "b"]);
  });

  it("untilMs stops the clock exactly there; a later run goes on from there", async () => {
    const sim = new Simulation({ seed: 1 });
    const h = sim.host("h");
    const fired: number[] = [];
    h.callLater(500, () => fired.push(h.now()));
    h.callLater(1500, () => fired.push(h.now()));
    expect(await sim.run({ untilMs: 1000 })).toEqual({ reason: "untilMs", nowMs: 1000, steps: 1 });
    expect(fired).toEqual([500]);
    expect(await sim.run()).toEqual({ reason: "idle", nowMs: 1500, steps: 1 });
    expect(fired).toEqual([500, 1500]);
    expect(sim.trace.filter((e) => e.type === "timer")).toEqual([
      { t: 500, type: "timer", host: "h", delayMs: 500 },
      { t: 1500, type: "timer", host: "h", delayMs: 1500 },
    ]);
  });

  it("until() is checked whenever nothing is runnable; maxSteps bounds a timer that re-arms itself", async () => {
    const sim = new Simulation({ seed: 1 });
    const h = sim.host("h");
    let ticks = 0;
    const tick = () => {
      ticks++;
      h.callLater(10, tick);
    };
    tick();
    expect(await sim.run({ until: () => ticks >= 5 })).toEqual({
      reason: "until",
      nowMs: 40,
      steps: 4,
    });
    expect(await sim.run({ maxSteps: 3 })).toMatchObject({ reason: "maxSteps", steps: 3 });
    expect(h.now()).toBe(70);
  });

  it("advances only when nothing is runnable: Promise chains run before the clock moves", async () => {
    const sim = new Simulation({ seed: 1 });
    const h = sim.host("h");
    const seen: string[] = [];
    h.callLater(100, () => {
      void (async () => {
        for (let i = 0; i < 50; i++) await Promise.resolve();
        seen.push(`chain done at ${h.now()}`);
      })();
    });
    h.callLater(101, () => seen.push(`next timer at ${h.now()}`));
    await sim.run();
    expect(seen).toEqual(["chain done at 100", "next timer at 101"]);
  });

  it("completes thread jobs in virtual time, with the configured duration and result", async () => {
    const sim = new Simulation({
      seed: 4,
      threadJobMs: (job) => Number(job.args[0]) * 1000,
      threadJobResult: (job) => `done ${String(job.args[0])}`,
    });
    const h = sim.host("worker");
    const results: string[] = [];
    void h.run();
    h.callWhenRunning(async () => {
      results.push(`${await h.deferToThread<string>("./job.js", "run", 5)} at ${h.now()}`);
      results.push(`${await h.deferToThread<string>("./job.js", "run", 2)} at ${h.now()}`);
      void h.stop();
    });
    expect(await sim.run()).toMatchObject({ reason: "idle", nowMs: 7000 });
    expect(results).toEqual(["done 5 at 5000", "done 2 at 7000"]);
    expect(sim.trace.filter((e) => e.type === "job")).toEqual([
      { t: 0, type: "job", host: "worker", name: "run", ms: 5000 },
      { t: 5000, type: "job", host: "worker", name: "run", ms: 2000 },
    ]);
    expect(sim.trace.filter((e) => e.type === "run" || e.type === "stopped")).toEqual([
      { t: 0, type: "run", host: "worker" },
      { t: 7000, type: "stopped", host: "worker" },
    ]);
  });

  it("draws thread-job durations in a range from the seed", async () => {
    const durations = async (seed: number) => {
      const sim = new Simulation({ seed, threadJobMs: [100, 900] });
      const h = sim.host("h");
      void h.run();
      for (let i = 0; i < 5; i++) void h.deferToThread("./job.js", "run");
      await sim.run({ untilMs: 0 });
      return sim.trace.flatMap((e) => (e.type === "job" ? [e.ms] : []));
    };
    const a = await durations(1);
    expect(a).toHaveLength(5);
    for (const ms of a) expect(ms >= 100 && ms <= 900).toBe(true);
    expect(await durations(1)).toEqual(a);
    expect(await durations(2)).not.toEqual(a);
  });

  it("rejects a bad seed, a bad fault setting and an empty host name", () => {
    expect(() => new Simulation({ seed: 0.5 })).toThrow(/safe integer seed/);
    expect(() => new Simulation({ seed: 1, faults: { latencyMs: [10, 5] } })).toThrow(/latencyMs/);
    expect(() => new Simulation({ seed: 1, faults: { resetProbability: 2 } })).toThrow(
      /resetProbability/,
    );
    expect(() => new Simulation({ seed: 1 }).host("")).toThrow(/non-empty/);
  });
});

describe("Simulation: the README example", () => {
  it("runs as written (packages/testing/README.md, Simulation)", async () => {
    class Hello extends Protocol {
      override connectionMade() {
        this.transport?.write("hello, world\r\n");
      }
    }

    const sim = new Simulation({ seed: 42, faults: { latencyMs: [0, 50], chunking: true } });
    const server = sim.host("server"); // a ReactorLike: listenTCP, connectTCP, callLater, deferToThread...
    const client = sim.host("client");
    server.listenTCP(9000, ServerFactory.forProtocol(AccumulatingProtocol));
    client.connectTCP("server", 9000, ClientFactory.forProtocol(Hello)); // hosts reach each other by name
    void server.run();
    void client.run();
    const result = await sim.run({ untilMs: 60_000 }); // also: until: () => boolean, maxSteps
    const deliveries = sim.trace.filter((e) => e.type === "deliver");

    expect(result).toEqual(README_RESULT);
    expect(sim.seed).toBe(42);
    expect(deliveries.reduce((n, e) => n + (e.type === "deliver" ? e.bytes : 0), 0)).toBe(14);
    expect(sim.trace.filter((e) => e.type === "connected")).toHaveLength(1);
  });
});

const README_RESULT = { reason: "idle", nowMs: 105, steps: 4 };
