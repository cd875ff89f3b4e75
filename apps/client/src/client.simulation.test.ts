/**
 * The seed scenario under seeded faults: the client's real try loop (runClient, SeedClientFactory)
 * against the server's real protocol (LineServerFactory), on two hosts of a Simulation with every
 * fault on, for 500 seeds. A failure names its seed and a one-line replay (LR_SIM_SEED=<seed>).
 */
import { ALL_FAULTS, type Simulation, simulateProperty } from "@lr/testing";
import { describe, expect, it } from "vitest";
// The server app's own protocol logic (test-only import across the two apps).
import { LineServerFactory } from "../../server/src/line-server.js";
import { createServerOutput } from "../../server/src/output.js";
import { CLIENT_DEFAULTS, type ClientOptions } from "./cli.js";
import { type ClientResult, runClient } from "./client.js";
import { createClientOutput } from "./output.js";

const SEEDS = 500;

// The app's defaults (3 tries, a 5 s job, a 5 s linger, "finished"), on host "server", NDJSON output.
const OPTIONS: ClientOptions = { ...CLIENT_DEFAULTS, host: "server", port: 9000, json: true };

type JsonEvent = Record<string, unknown> & { event: string };

/** Collects NDJSON output into events. */
function ndjson(): { events: JsonEvent[]; sink: (chunk: string | Uint8Array) => void } {
  const events: JsonEvent[] = [];
  let partial = "";
  return {
    events,
    sink: (chunk) => {
      partial += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line !== "") events.push(JSON.parse(line) as JsonEvent);
    },
  };
}

interface SeedRun {
  readonly result: ClientResult;
  readonly client: JsonEvent[];
  readonly server: JsonEvent[];
  readonly lines: number;
}

/** The seed scenario on `sim`: the server listens, the client runs its tries; waits until the network is quiet. */
async function seedScenario(sim: Simulation): Promise<SeedRun> {
  const server = sim.host("server");
  const client = sim.host("client");
  const serverOut = ndjson();
  const factory = new LineServerFactory(
    { maxLineLength: 16384 },
    createServerOutput({ json: true, quiet: false }, serverOut.sink),
  );
  server.listenTCP(9000, factory);
  void server.run();
  const clientOut = ndjson();
  const result = await runClient(
    client,
    OPTIONS,
    createClientOutput({ json: true, tty: false }, clientOut.sink),
    { module: "./job.js", exportName: "run" },
  );
  // Let what is still in flight (a stalled receiver, a closing connection) land before judging.
  await new Promise<void>((resolve) => {
    const quiet = () => {
      if (sim.network.connections.length === 0) resolve();
      else server.callLater(100, quiet);
    };
    quiet();
  });
  await server.stop();
  return { result, client: clientOut.events, server: serverOut.events, lines: factory.lines };
}

/** The invariants for one seed. */
function checkInvariants(run: SeedRun, sim: Simulation): void {
  const { result, client, server } = run;
  // Every try ends, in order, and the run was not cut short.
  expect(result).toMatchObject({ tries: OPTIONS.tries, interrupted: false });
  const tries = client.filter((e) => e.event === "try");
  expect(tries.map((e) => e.try)).toEqual([1, 2, 3]);
  expect(client.at(-1)).toEqual({ event: "done", tries: 3, failed: result.failed });
  // The client's exit status (lr-client: 1 when a try failed, else 0) matches its tries.
  const failedTries = tries.filter((e) => e.ok !== true).length;
  expect(result.failed).toBe(failedTries);
  const exitStatus = result.failed > 0 ? 1 : 0;
  expect(exitStatus).toBe(failedTries > 0 ? 1 : 0);
  // A try is ok exactly when it sent its message.
  for (const t of tries) {
    const sent = client.some((e) => e.event === "sent" && e.try === t.try);
    expect(t.ok, `try ${String(t.try)}`).toBe(sent);
  }

  // Connections in the order they were set up: the n-th is the server's connection n, and the
  // client's n-th connected try.
  const connected = sim.trace.flatMap((e) => (e.type === "connected" ? [e.conn] : []));
  const reset = new Set(
    sim.trace.flatMap((e) => (e.type === "fault" && e.fault === "reset" ? [e.conn] : [])),
  );
  const connectedTries = client.filter((e) => e.event === "connected").map((e) => e.try);
  expect(connectedTries).toHaveLength(connected.length);
  for (const [i, conn] of connected.entries()) {
    const attempt = connectedTries[i];
    const sent = client.some((e) => e.event === "sent" && e.try === attempt);
    const received = server.filter((e) => e.event === "line" && e.id === conn);
    // Nothing arrives that was not sent, nor twice.
    expect(received.length).toBeLessThanOrEqual(sent ? 1 : 0);
    for (const line of received) expect(line.data).toBe(OPTIONS.message);
    // A `finished` line the client sent on a connection that was not reset arrives exactly once.
    if (sent && !reset.has(conn)) expect(received, `connection ${conn}`).toHaveLength(1);
  }
  expect(run.lines).toBe(server.filter((e) => e.event === "line").length);
}

describe("the seed scenario under seeded faults (Simulation)", () => {
  it(`keeps its invariants for ${SEEDS} seeds with every fault on`, async () => {
    const summary = await simulateProperty(
      {
        seeds: SEEDS,
        faults: ALL_FAULTS,
        threadJobMs: (job) => Number(job.args[0]) * 1000,
        threadJobResult: () => ({ elapsedMs: 5000 }),
      },
      seedScenario,
      checkInvariants,
    );
    expect(summary.seeds).toHaveLength(SEEDS);
  });

  it("sees every fault kind, and both ok and failed tries, over those seeds", async () => {
    const kinds = new Set<string>();
    let ok = 0;
    let failed = 0;
    await simulateProperty(
      {
        seeds: 100,
        faults: ALL_FAULTS,
        threadJobMs: (job) => Number(job.args[0]) * 1000,
      },
      seedScenario,
      (run, sim) => {
        for (const e of sim.trace) if (e.type === "fault") kinds.add(e.fault);
        failed += run.result.failed;
        ok += run.result.tries - run.result.failed;
      },
    );
    expect([...kinds].sort()).toEqual(
      ["chunk", "connectDelay", "latency", "refuse", "reset", "stall"].sort(),
    );
    expect(ok).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
  });
});
