import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deferred, Recorder, start, testReactor, whenReceived } from "../../test/helpers.js";
import { ClientFactory, ServerFactory } from "../core/factory.js";
import type { Reactor } from "./reactor.js";

class Echo extends Recorder {
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    this.transport?.write(data);
  }
}

function openFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return -1; // not Linux: the handle count below still applies
  }
}

/**
 * Active handles/requests by type. The test runner keeps a timer of its own that may come and go
 * while the test runs, so timers are compared as "no more than the baseline" and the rest exactly.
 */
function activeResources(): { timers: number; others: string[] } {
  const all = process.getActiveResourcesInfo();
  return {
    timers: all.filter((t) => t === "Timeout").length,
    others: all.filter((t) => t !== "Timeout").sort(),
  };
}

/**
 * One full cycle: listen on an ephemeral port, connect, exchange a message, leave timers pending,
 * stop. The listener is created before run() on odd cycles and while running on even ones, so both
 * binding paths are exercised.
 */
async function cycle(r: Reactor, i: number): Promise<void> {
  const server = ServerFactory.forProtocol(Echo);
  const early = i % 2 === 1 ? r.listenTCP(0, server, { host: "127.0.0.1" }) : null;
  for (let t = 0; t < 3; t++) r.callLater(60_000 + t, () => {});
  const { done } = await start(r);
  const port = early ?? r.listenTCP(0, server, { host: "127.0.0.1" });
  const addr = await port.whenListening();
  if (addr.type !== "TCP") throw new Error("expected a TCP address");
  const client = new Recorder();
  const connected = deferred();
  const factory = new (class extends ClientFactory {
    override buildProtocol() {
      connected.resolve();
      return client;
    }
  })();
  r.connectTCP("127.0.0.1", addr.port, factory);
  await connected.promise;
  await client.made.promise;
  const echoed = whenReceived(client, (p) => p.text() === `ping ${i}`);
  client.transport?.write(`ping ${i}`);
  await echoed;
  await r.stop();
  await done;
}

describe("restart", () => {
  it("runs 1,000 run/stop cycles with a listener, a connection and timers, leaving nothing behind", async () => {
    const r = testReactor();
    await cycle(r, 0); // warm-up: Node may keep one extra handle after the first socket close
    const baseline = activeResources();
    const fdBaseline = openFds();
    for (let i = 1; i <= 1000; i++) {
      await cycle(r, i);
      expect(r.state).toBe("stopped");
      expect(r.getResources()).toEqual([]);
    }
    const after = activeResources();
    expect(after.others).toEqual(baseline.others);
    expect(after.timers).toBeLessThanOrEqual(baseline.timers);
    expect(openFds()).toBe(fdBaseline);
    expect(r.getDelayedCalls()).toEqual([]);
    expect(r.getListeningPorts()).toEqual([]);
    expect(r.getConnections()).toEqual([]);
    expect(r.logged.filter((e) => e.level === "error" || e.level === "warn")).toEqual([]);
  }, 120_000);

  it("runs two reactors at once: stopping one leaves the other serving", async () => {
    const a = testReactor();
    const b = testReactor();
    const ra = await start(a);
    const rb = await start(b);
    const portA = a.listenTCP(0, ServerFactory.forProtocol(Echo), { host: "127.0.0.1" });
    const portB = b.listenTCP(0, ServerFactory.forProtocol(Echo), { host: "127.0.0.1" });
    const [addrA, addrB] = await Promise.all([portA.whenListening(), portB.whenListening()]);
    if (addrA.type !== "TCP" || addrB.type !== "TCP") throw new Error("expected TCP");

    // a client on reactor A talks to B's server
    const client = new Recorder();
    const cf = new (class extends ClientFactory {
      override buildProtocol() {
        return client;
      }
    })();
    a.connectTCP("127.0.0.1", addrB.port, cf);
    await client.made.promise;
    await a.stop();
    await ra.done;
    expect(a.getResources()).toEqual([]);
    expect(await client.lost.promise).toBeInstanceOf(Error);

    // B still serves new clients: connect to it from a fresh reactor run of A
    expect(b.state).toBe("running");
    const ra2 = await start(a);
    const again = new Recorder();
    const cf2 = new (class extends ClientFactory {
      override buildProtocol() {
        return again;
      }
    })();
    a.connectTCP("127.0.0.1", addrB.port, cf2);
    await again.made.promise;
    const echoed = whenReceived(again, (p) => p.text() === "still here");
    again.transport?.write("still here");
    await echoed;
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([ra2.done, rb.done]);
    expect(b.getResources()).toEqual([]);
    expect(a.getResources()).toEqual([]);
    // A's port from its first run is gone; it was never re-bound
    expect(portA.getHost()).toEqual(addrA);
    expect(a.getListeningPorts()).toEqual([]);
  }, 30_000);
});
