import { describe, expect, it } from "vitest";
import { clientFactory, runClient, serverFactory } from "../../test/seed-scenario.js";
import { MemoryNetwork } from "../index.js";

/** Runs the seed scenario in virtual time; returns the trace, each line stamped with virtual seconds. */
async function simulate(): Promise<string[]> {
  const network = new MemoryNetwork();
  const server = network.createReactor();
  const client = network.createReactor();
  const trace: string[] = [];
  const record = (who: string, text: string) =>
    trace.push(`${network.clock.seconds().toFixed(1)}s ${who}: ${text}`);
  // The long job "takes" as many virtual seconds as its argument says.
  client.onThreadJob = (job) => job.completeAfter(Number(job.args[0]) * 1000);
  server.listenTCP(9000, serverFactory(record));
  const serverStopped = server.run();
  await network.runUntil(runClient(client, 9000, record, "./long-job.js"));
  void server.stop();
  await network.runUntil(serverStopped);
  expect(server.getResources()).toEqual([]);
  expect(client.getResources()).toEqual([]);
  return trace;
}

function expectedTry(start: number, triesLeft: number): string[] {
  const t = (s: number) => `${(start + s).toFixed(1)}s`;
  return [
    `${t(0)} server: server received a connection!`,
    `${t(0)} client: client connected!`,
    `${t(0)} client: running process`,
    `${t(5)} client: process finished!`,
    `${t(5)} server: in lineReceived`,
    `${t(5)} server: data => finished`,
    `${t(10)} server: Connection lost`,
    `${t(10)} server: ERR_CONNECTION_DONE`,
    `${t(10)} client: Connection lost`,
    `${t(10)} client: tries ${triesLeft}`,
  ];
}

describe("the seed scenario in virtual time", () => {
  it("runs 3 tries of 5 s job + 5 s linger on the same client reactor, with the exact trace", async () => {
    const trace = await simulate();
    expect(trace).toEqual([...expectedTry(0, 2), ...expectedTry(10, 1), ...expectedTry(20, 0)]);
  });

  it("gives the same trace on every run", async () => {
    const first = await simulate();
    const second = await simulate();
    expect(second).toEqual(first);
  });

  it("reports a refused connection when no server listens", async () => {
    const network = new MemoryNetwork();
    const client = network.createReactor();
    const failures: string[] = [];
    const factory = clientFactory(client, () => {}, "./long-job.js");
    factory.clientConnectionFailed = (_connector, reason) => {
      failures.push((reason as { code?: string }).code ?? "?");
      void client.stop();
    };
    client.connectTCP("localhost", 9000, factory);
    await network.runUntil(client.run());
    expect(failures).toEqual(["ERR_CONNECTION_REFUSED"]);
  });
});
