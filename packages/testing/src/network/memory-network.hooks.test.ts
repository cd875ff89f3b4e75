import {
  ClientFactory,
  ConnectionLost,
  ConnectionRefusedError,
  type Producer,
  ServerFactory,
} from "@lr/reactor";
import { describe, expect, it } from "vitest";
import { AccumulatingProtocol } from "../transport/accumulating-protocol.js";
import type { MemoryTransport } from "../transport/memory-connection.js";
import { MemoryNetwork, type MemoryNetworkHooks } from "./memory-network.js";

/** A server keeping one AccumulatingProtocol per connection, a client sending `writes` on connect. */
function setUp(hooks: MemoryNetworkHooks, writes: string[] = []) {
  const network = new MemoryNetwork({ hooks });
  const server = network.createReactor();
  const client = network.createReactor();
  const accepted: AccumulatingProtocol[] = [];
  const serverFactory = new ServerFactory();
  serverFactory.buildProtocol = () => {
    const p = new AccumulatingProtocol();
    accepted.push(p);
    return p;
  };
  server.listenTCP(7000, serverFactory);
  const failures: Error[] = [];
  const clients: AccumulatingProtocol[] = [];
  const factory = new ClientFactory();
  factory.buildProtocol = () => {
    const p = new AccumulatingProtocol({
      onConnectionMade: (protocol) => {
        for (const w of writes) protocol.transport?.write(w);
      },
    });
    clients.push(p);
    return p;
  };
  factory.clientConnectionFailed = (_c, reason) => failures.push(reason);
  void server.run();
  void client.run();
  return { network, server, client, accepted, clients, failures, factory };
}

describe("MemoryNetwork hooks", () => {
  it("connectDelay sets how long an attempt takes", () => {
    const { network, client, factory, clients } = setUp({ connectDelay: () => 250 });
    client.connectTCP("localhost", 7000, factory);
    network.advance(249);
    expect(clients).toHaveLength(0);
    network.advance(1);
    expect(clients).toHaveLength(1);
  });

  it("admit sees the listening reactor (null when nothing listens); false refuses", () => {
    const seen: (string | null)[] = [];
    const { network, server, client, factory, failures, clients } = setUp({
      admit: (_reactor, connector, listening) => {
        seen.push(listening === server ? "server" : null);
        return connector.spec.type === "TCP" && connector.spec.port === 7000 && seen.length > 1;
      },
    });
    client.connectTCP("localhost", 7000, factory);
    client.connectTCP("localhost", 7001, factory);
    client.connectTCP("localhost", 7000, factory);
    network.advance(0);
    expect(seen).toEqual(["server", null, "server"]);
    expect(failures.map((f) => f instanceof ConnectionRefusedError)).toEqual([true, true]);
    expect(clients).toHaveLength(1);
  });

  it("take splits a delivery (bytes keep their order) and deliveryDelay spaces the deliveries", () => {
    const takes: number[] = [];
    const { network, client, factory, accepted } = setUp(
      {
        deliveryDelay: () => 10,
        take: (_c, _from, available) => {
          takes.push(available);
          return Math.min(available, 3);
        },
      },
      ["hello", " world"],
    );
    client.connectTCP("localhost", 7000, factory);
    network.advance(0);
    const [p] = accepted;
    expect(p?.text()).toBe("");
    network.advance(10);
    expect(p?.text()).toBe("hel");
    network.advance(10);
    expect(p?.text()).toBe("hello ");
    network.clock.runUntilIdle();
    expect(p?.text()).toBe("hello world");
    expect(takes).toEqual([11, 8, 5, 2]);
  });

  it("take returning 0 holds the bytes (the receiver is not reading) until a later delivery", () => {
    let reading = false;
    const { network, client, factory, accepted } = setUp(
      { deliveryDelay: () => 5, take: (_c, _f, available) => (reading ? available : 0) },
      ["abc"],
    );
    client.connectTCP("localhost", 7000, factory);
    network.advance(50);
    expect(accepted[0]?.text()).toBe("");
    reading = true;
    network.advance(5);
    expect(accepted[0]?.text()).toBe("abc");
  });

  it("resetBeforeDelivery resets the connection: both ends get ConnectionLost, queued bytes are gone", () => {
    const { network, client, factory, accepted, clients } = setUp(
      { resetBeforeDelivery: (connection) => connection.pendingBytes },
      ["never delivered"],
    );
    client.connectTCP("localhost", 7000, factory);
    network.advance(0);
    expect(accepted[0]?.text()).toBe("");
    for (const p of [accepted[0], clients[0]]) {
      expect(p?.closedReason).toBeInstanceOf(ConnectionLost);
      expect(p?.closedReason).toMatchObject({ code: "ERR_CONNECTION_LOST" });
    }
    expect(network.connections).toHaveLength(0);
  });

  it("established sees each connection once, before its protocols start", () => {
    const order: string[] = [];
    const { network, client, factory } = setUp({
      established: (connection) => {
        const made = (connection.client.protocol as AccumulatingProtocol).made;
        order.push(`established (client made: ${made})`);
      },
    });
    client.connectTCP("localhost", 7000, factory);
    network.advance(0);
    expect(order).toEqual(["established (client made: 0)"]);
  });

  it("highWaterMark pauses a streaming producer while the bytes wait, and resumes it once taken", () => {
    let reading = false;
    const { network, client, factory, clients, accepted } = setUp({
      highWaterMark: 8,
      take: (_c, _f, available) => (reading ? available : 0),
    });
    const calls: string[] = [];
    const producer: Producer = {
      pauseProducing: () => calls.push("pause"),
      resumeProducing: () => calls.push("resume"),
      stopProducing: () => calls.push("stop"),
    };
    client.connectTCP("localhost", 7000, factory);
    network.advance(0);
    const transport = clients[0]?.transport as MemoryTransport;
    transport.registerProducer(producer, true);
    transport.write("1234");
    expect(calls).toEqual([]);
    transport.write("5678");
    expect(calls).toEqual(["pause"]);
    transport.write("9");
    expect(calls).toEqual(["pause"]);
    network.advance(10); // held: offered again every 1 ms
    expect(accepted[0]?.text()).toBe("");
    reading = true;
    network.advance(1);
    expect(accepted[0]?.text()).toBe("123456789");
    expect(calls).toEqual(["pause", "resume"]);
  });

  it("without hooks, a streaming producer is never paused (memory buffers never fill)", () => {
    const { network, client, factory, clients } = setUp({});
    client.connectTCP("localhost", 7000, factory);
    network.advance(0);
    const calls: string[] = [];
    clients[0]?.transport?.registerProducer(
      {
        pauseProducing: () => calls.push("pause"),
        resumeProducing: () => calls.push("resume"),
        stopProducing: () => calls.push("stop"),
      },
      true,
    );
    clients[0]?.transport?.write("x".repeat(1_000_000));
    network.advance(0);
    expect(calls).toEqual([]);
  });
});
