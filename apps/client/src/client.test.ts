/**
 * The client's logic in virtual time: the real runClient (and, for the full scenario, the real
 * server logic) on MemoryReactorClocks joined by a MemoryNetwork. The long job is simulated: it
 * "takes" as many virtual seconds as it is given.
 */
import { MemoryNetwork, type MemoryReactorClock } from "@lr/testing";
import { describe, expect, it } from "vitest";
// The full scenario runs the server app's own logic too (test-only import across the two apps).
import { createServerOutput } from "../../server/src/output.js";
import { runServer, type ServerHost } from "../../server/src/server.js";
import type { ClientOptions } from "./cli.js";
import { runClient } from "./client.js";
import { createClientOutput } from "./output.js";

const JOB = { module: "./job.js", exportName: "run" };

const SEED: ClientOptions = {
  host: "localhost",
  port: 9000,
  tries: 3,
  work: 5,
  linger: 5,
  message: "finished",
  json: false,
  connectTimeout: 30,
};

/** A trace of what both programs print, each line stamped with the virtual time. */
function tracer(network: MemoryNetwork) {
  const trace: string[] = [];
  const sink = (who: string) => (raw: string | Uint8Array) => {
    const chunk = typeof raw === "string" ? raw : Buffer.from(raw).toString();
    for (const line of chunk.split("\n").slice(0, -1)) {
      trace.push(`${(network.clock.now() / 1000).toFixed(1)}s ${who}: ${line}`);
    }
  };
  return { trace, sink };
}

interface Scenario {
  readonly network: MemoryNetwork;
  readonly client: MemoryReactorClock;
  readonly server: MemoryReactorClock;
  readonly trace: string[];
  readonly sink: (who: string) => (chunk: string | Uint8Array) => void;
  readonly stopServer: () => void;
  readonly serverDone: ReturnType<typeof runServer>;
}

/** Starts the real server logic on port 9000 of a memory network and waits until it listens. */
async function withServer(greet?: string): Promise<Scenario> {
  const network = new MemoryNetwork();
  const server = network.createReactor();
  const client = network.createReactor();
  client.onThreadJob = (job) => job.completeAfter(Number(job.args[0]) * 1000, { elapsedMs: 0 });
  const { trace, sink } = tracer(network);
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => {
    listening = resolve;
  });
  const host: ServerHost = {
    error: (line) => trace.push(`server error: ${line}`),
    // Stop requests: the test emits this signal on `process` (never sent for real).
    signals: ["SIGUSR2"],
    onListening: () => listening(),
  };
  const serverDone = runServer(
    server,
    {
      port: 9000,
      host: "127.0.0.1",
      maxLineLength: 16384,
      json: false,
      quiet: false,
      workers: 1,
      greet,
      delimiter: "crlf",
      idleTimeout: 60,
      lineTimeout: 30,
      maxConnections: 10000,
      maxConnectionsPerPeer: 0,
      shutdownTimeout: 10,
    },
    createServerOutput({ json: false, quiet: false }, sink("server")),
    host,
  );
  await network.runUntil(ready);
  return {
    network,
    client,
    server,
    trace,
    sink,
    stopServer: () => process.emit("SIGUSR2", "SIGUSR2"),
    serverDone,
  };
}

function oneTry(start: number, triesLeft: number): string[] {
  const t = (s: number) => `${(start + s).toFixed(1)}s`;
  return [
    `${t(0)} server: server received a connection!`,
    `${t(0)} client: client connected!`,
    `${t(0)} client: running process`,
    `${t(5)} client: process finished!`,
    `${t(5)} server: in lineReceived`,
    `${t(5)} server: data => finished`,
    `${t(10)} server: Connection lost`,
    `${t(10)} server: ConnectionDone: Connection was closed cleanly.`,
    `${t(10)} client: Connection lost`,
    `${t(10)} client: tries ${triesLeft}`,
  ];
}

describe("the seed scenario in virtual time", () => {
  it("3 tries of a 5 s job and a 5 s linger on the SAME reactor: exact trace, server totals", async () => {
    const s = await withServer();
    let runs = 0;
    const run = s.client.run.bind(s.client);
    s.client.run = () => {
      runs++;
      return run();
    };
    const clientOut = createClientOutput({ json: false, tty: false }, s.sink("client"));
    const result = await s.network.runUntil(runClient(s.client, SEED, clientOut, JOB));
    expect(result).toEqual({ tries: 3, failed: 0, interrupted: false });
    expect(runs).toBe(3);
    s.stopServer();
    const served = await s.network.runUntil(s.serverDone);
    expect(served).toMatchObject({ exitCode: 0, totals: { connections: 3, lines: 3 } });
    expect(s.trace).toEqual([
      "0.0s server: listening on 127.0.0.1:9000",
      ...oneTry(0, 2),
      ...oneTry(10, 1),
      ...oneTry(20, 0),
      "30.0s server: server stopped: 3 connections, 3 lines",
    ]);
    expect(s.client.getResources()).toEqual([]);
    expect(s.server.getResources()).toEqual([]);
  });
});

describe("runClient in virtual time", () => {
  it("prints a server line as soon as it arrives, during the job", async () => {
    const s = await withServer("hello from the server");
    const out = createClientOutput({ json: false, tty: false }, s.sink("client"));
    await s.network.runUntil(runClient(s.client, { ...SEED, tries: 1 }, out, JOB));
    const client = s.trace.filter((l) => l.includes(" client: "));
    expect(client).toEqual([
      "0.0s client: client connected!",
      "0.0s client: running process",
      "0.0s client: Received data: hello from the server",
      "5.0s client: process finished!",
      "10.0s client: Connection lost",
      "10.0s client: tries 0",
    ]);
  });

  it("without a server every try fails with a refused connection, and the reactor is clean", async () => {
    const network = new MemoryNetwork();
    const client = network.createReactor();
    const { trace, sink } = tracer(network);
    const out = createClientOutput({ json: false, tty: false }, sink("client"));
    const result = await network.runUntil(runClient(client, SEED, out, JOB));
    expect(result).toEqual({ tries: 3, failed: 3, interrupted: false });
    expect(trace).toEqual([
      "0.0s client: connection failed: Connection was refused by localhost:9000",
      "0.0s client: tries 2",
      "0.0s client: connection failed: Connection was refused by localhost:9000",
      "0.0s client: tries 1",
      "0.0s client: connection failed: Connection was refused by localhost:9000",
      "0.0s client: tries 0",
    ]);
    expect(client.getResources()).toEqual([]);
  });

  it("a connection lost before the message is sent fails the try and cancels the job", async () => {
    const s = await withServer();
    const out = createClientOutput({ json: true, tty: false }, s.sink("client"));
    const jobs: string[] = [];
    s.client.onThreadJob = (job) => {
      jobs.push(job.exportName);
      job.completeAfter(5000);
    };
    // Stop the server 2 s into the first job: it closes the connection gracefully.
    s.network.clock.callLater(2000, () => s.stopServer());
    const result = await s.network.runUntil(runClient(s.client, { ...SEED, tries: 1 }, out, JOB));
    expect(result).toEqual({ tries: 1, failed: 1, interrupted: false });
    const events = s.trace
      .filter((l) => l.includes(" client: "))
      .map((l) => l.replace(/^.*? client: /, ""))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual(["connected", "job-started", "lost", "try", "done"]);
    expect(events[3]).toEqual({ event: "try", try: 1, ok: false, triesLeft: 0 });
    expect(jobs).toEqual(["run"]);
    expect(s.client.getResources()).toEqual([]);
  });

  it("a job that fails fails the try, closes the connection and goes on with the next try", async () => {
    const s = await withServer();
    let n = 0;
    s.client.onThreadJob = (job) => {
      if (++n === 1) job.failAfter(1000, new Error("disk on fire"));
      else job.completeAfter(1000);
    };
    const out = createClientOutput({ json: false, tty: false }, s.sink("client"));
    const result = await s.network.runUntil(
      runClient(s.client, { ...SEED, tries: 2, linger: 1 }, out, JOB),
    );
    expect(result).toEqual({ tries: 2, failed: 1, interrupted: false });
    expect(s.trace.filter((l) => l.includes(" client: "))).toEqual([
      "0.0s client: client connected!",
      "0.0s client: running process",
      "1.0s client: process failed: disk on fire",
      "1.0s client: Connection lost",
      "1.0s client: tries 1",
      "1.0s client: client connected!",
      "1.0s client: running process",
      "2.0s client: process finished!",
      "3.0s client: Connection lost",
      "3.0s client: tries 0",
    ]);
  });

  it("an abort stops the current try at once and runs no more", async () => {
    const s = await withServer();
    const out = createClientOutput({ json: false, tty: false }, s.sink("client"));
    const abort = new AbortController();
    s.network.clock.callLater(7000, () => abort.abort());
    const result = await s.network.runUntil(runClient(s.client, SEED, out, JOB, abort.signal));
    expect(result).toEqual({ tries: 1, failed: 0, interrupted: true });
    expect(s.trace.filter((l) => l.includes(" client: ")).slice(-2)).toEqual([
      "7.0s client: Connection lost",
      "7.0s client: tries 2",
    ]);
  });

  it("in a terminal, redraws the progress display every 100 ms of the job", async () => {
    const s = await withServer();
    const writes: string[] = [];
    const out = createClientOutput({ json: false, tty: true }, (chunk) => writes.push(chunk));
    await s.network.runUntil(
      runClient(s.client, { ...SEED, tries: 1, work: 1, linger: 0 }, out, JOB),
    );
    const frames = writes.filter((w) => w.startsWith("\r") && !w.endsWith("\n"));
    const times = frames.map((f) => Number(/(\d+\.\d)s \//.exec(f)?.[1]));
    // One frame per 100 ms from the start of the job until it ends at 1.0 s.
    expect(times.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => i / 10));
    expect(times.length).toBeLessThanOrEqual(11);
    for (const f of frames) expect(f).toMatch(/\/ 1\.0s$/);
    expect(writes.at(-3)).toBe("\r\x1b[2Kprocess finished!\n");
  });
});
