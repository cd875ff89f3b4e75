/**
 * lr-server's line counting under seeded chunking, latency and stalled reads: the server's real
 * protocol classes (LineServer, QuietLineServer via LineServerFactory) on a Simulation host, fed by
 * three client hosts that write random lines cut at random places. Counts must be exact for every
 * seed. A failure names its seed and a one-line replay (LR_SIM_SEED=<seed>).
 */
import { type Address, ClientFactory, Protocol, type ProtocolLike } from "@lr/reactor";
import { type Simulation, type SimulationFaults, simulateProperty } from "@lr/testing";
import { describe, expect, it } from "vitest";
import { LineServerFactory } from "./line-server.js";
import { createServerOutput } from "./output.js";

const FAULTS: SimulationFaults = {
  chunking: true,
  stallMs: [1, 3000],
  stallProbability: 0.2,
  latencyMs: [0, 30],
};

const ALPHABET = [..."abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?-_=+*/"];

/** Random lines (from the simulation's own generator): 0 to 40 lines of 0 to 300 characters. */
function randomLines(sim: Simulation): string[] {
  const lines: string[] = [];
  for (let n = sim.random.int(0, 40); n > 0; n--) {
    let line = "";
    for (let len = sim.random.int(0, 300); len > 0; len--) line += sim.random.pick(ALPHABET);
    lines.push(line);
  }
  return lines;
}

/** Writes `payload` in random pieces over a few turns of the clock, then closes. */
class Sender extends Protocol {
  constructor(
    private readonly sim: Simulation,
    private readonly payload: Buffer,
  ) {
    super();
  }
  override connectionMade(): void {
    this.#next(0);
  }
  #next(offset: number): void {
    const transport = this.transport;
    if (!transport) return;
    let at = offset;
    for (let writes = this.sim.random.int(1, 4); writes > 0 && at < this.payload.length; writes--) {
      const end = Math.min(this.payload.length, at + this.sim.random.int(1, 700));
      transport.write(this.payload.subarray(at, end));
      at = end;
    }
    if (at >= this.payload.length) transport.loseConnection();
    else this.sim.host("server").callLater(this.sim.random.int(0, 20), () => this.#next(at));
  }
}

interface Counted {
  readonly sent: string[][];
  readonly lines: number;
  readonly received: Map<number, string[]>;
  readonly connections: number;
}

async function countLines(sim: Simulation, quiet: boolean): Promise<Counted> {
  const server = sim.host("server");
  const received = new Map<number, string[]>();
  let partial = "";
  const factory = new LineServerFactory(
    { maxLineLength: 16384, quiet },
    createServerOutput({ json: true, quiet: false }, (chunk: string | Uint8Array) => {
      partial += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const event = JSON.parse(line) as { event: string; id: number; data: string };
        if (event.event !== "line") continue;
        const list = received.get(event.id) ?? [];
        list.push(event.data);
        received.set(event.id, list);
      }
    }),
  );
  server.listenTCP(9000, factory);
  void server.run();
  const sent: string[][] = [];
  const done: Promise<void>[] = [];
  for (const name of ["a", "b", "c"]) {
    const lines = randomLines(sim);
    sent.push(lines);
    const payload = Buffer.from(lines.map((l) => `${l}\r\n`).join(""), "latin1");
    const client = sim.host(name);
    done.push(
      new Promise<void>((resolve) => {
        const clientFactory = new (class extends ClientFactory {
          override buildProtocol(_addr: Address): ProtocolLike {
            return new Sender(sim, payload);
          }
          override clientConnectionLost(): void {
            resolve();
          }
        })();
        client.connectTCP("server", 9000, clientFactory);
      }),
    );
    void client.run();
  }
  await Promise.all(done);
  // The server side closes once it has read everything the client sent before closing.
  await new Promise<void>((resolve) => {
    const quietNet = () => {
      if (sim.network.connections.length === 0) resolve();
      else server.callLater(50, quietNet);
    };
    quietNet();
  });
  return { sent, lines: factory.lines, received, connections: factory.connections };
}

describe("lr-server's line counting under chunking and stalled reads (Simulation)", () => {
  it("counts and reports every line exactly, for 300 seeds (LineServer)", async () => {
    let chunked = 0;
    let stalled = 0;
    await simulateProperty(
      { seeds: 300, faults: FAULTS },
      (sim) => countLines(sim, false),
      (counted, sim) => {
        const total = counted.sent.reduce((n, l) => n + l.length, 0);
        expect(counted.connections).toBe(3);
        expect(counted.lines).toBe(total);
        // Connection ids follow the accept order, which is the trace's `connected` order.
        const order = sim.trace.flatMap((e) => (e.type === "connected" ? [e.client] : []));
        for (const [i, host] of order.entries()) {
          const sent = counted.sent[["a", "b", "c"].indexOf(host)] ?? [];
          expect(counted.received.get(i + 1) ?? []).toEqual(sent);
        }
        if (sim.trace.some((e) => e.type === "fault" && e.fault === "chunk")) chunked++;
        if (sim.trace.some((e) => e.type === "fault" && e.fault === "stall")) stalled++;
      },
    );
    // The faults were really there: most seeds split writes and stalled a reader.
    expect(chunked).toBeGreaterThan(250);
    expect(stalled).toBeGreaterThan(150);
  });

  it("counts every line exactly, for 200 seeds (--quiet: QuietLineServer)", async () => {
    await simulateProperty(
      { seeds: 200, firstSeed: 1001, faults: FAULTS },
      (sim) => countLines(sim, true),
      (counted) => {
        expect(counted.lines).toBe(counted.sent.reduce((n, l) => n + l.length, 0));
        expect(counted.received.size).toBe(0);
      },
    );
  });
});
