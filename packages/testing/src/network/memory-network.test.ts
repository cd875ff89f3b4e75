import {
  ClientFactory,
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  Factory,
  Protocol,
  ServerFactory,
} from "@lr/reactor";
import { describe, expect, it } from "vitest";
import { AccumulatingProtocol } from "../transport/accumulating-protocol.js";
import { MemoryNetwork } from "./memory-network.js";

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport?.write(data);
  }
}

function collectingClient(): {
  factory: ClientFactory;
  protocols: AccumulatingProtocol[];
  failures: Error[];
} {
  const protocols: AccumulatingProtocol[] = [];
  const failures: Error[] = [];
  const factory = new ClientFactory();
  factory.buildProtocol = () => {
    const p = new AccumulatingProtocol();
    protocols.push(p);
    return p;
  };
  factory.clientConnectionFailed = (_c, reason) => failures.push(reason);
  return { factory, protocols, failures };
}

describe("MemoryNetwork", () => {
  it("connects connectTCP on one reactor to listenTCP on another and moves bytes on clock advance", async () => {
    const network = new MemoryNetwork();
    const server = network.createReactor();
    const client = network.createReactor();
    server.listenTCP(7000, ServerFactory.forProtocol(Echo));
    const { factory, protocols } = collectingClient();
    void server.run();
    void client.run();
    client.connectTCP("anything", 7000, factory);
    network.advance(0);
    const [p] = protocols;
    expect(p?.made).toBe(1);
    expect(p?.transport?.getPeer()).toMatchObject({ host: "127.0.0.1", port: 7000 });
    p?.transport?.write("abc");
    expect(p?.text()).toBe("");
    network.advance(0);
    expect(p?.text()).toBe("abc");
    expect(server.getConnections()).toHaveLength(1);
    await client.stop();
    expect(server.getConnections()).toHaveLength(0);
    expect(p?.closedReason).toBeInstanceOf(ConnectionDone);
    await server.stop();
  });

  it("works on a single reactor, with port 0 and whenListening", async () => {
    const network = new MemoryNetwork();
    const reactor = network.createReactor();
    const port = reactor.listenTCP(0, ServerFactory.forProtocol(Echo));
    void reactor.run();
    const address = await port.whenListening();
    expect(address).toMatchObject({ type: "TCP", host: "0.0.0.0" });
    const { factory, protocols } = collectingClient();
    reactor.connectTCP("127.0.0.1", address.type === "TCP" ? address.port : 0, factory);
    network.advance(0);
    protocols[0]?.transport?.write("x");
    network.advance(0);
    expect(protocols[0]?.text()).toBe("x");
    await reactor.stop();
    expect(reactor.getResources()).toEqual([]);
  });

  it("refuses connections when nothing listens, or the listener stopped", async () => {
    const network = new MemoryNetwork();
    const reactor = network.createReactor();
    const port = reactor.listenUNIX("/s", ServerFactory.forProtocol(Echo));
    void reactor.run();
    const { factory, failures, protocols } = collectingClient();
    reactor.connectTCP("localhost", 1234, factory);
    network.advance(0);
    await port.stopListening();
    reactor.connectUNIX("/s", factory);
    network.advance(0);
    expect(failures.map((f) => (f as { code?: string }).code)).toEqual([
      "ERR_CONNECTION_REFUSED",
      "ERR_CONNECTION_REFUSED",
    ]);
    expect(protocols).toEqual([]);
    await reactor.stop();
  });

  it("fails a second listen on the same port with CannotListenError", async () => {
    const network = new MemoryNetwork();
    const a = network.createReactor();
    const b = network.createReactor();
    a.listenTCP(80, new ServerFactory());
    const second = b.listenTCP(80, new ServerFactory());
    void a.run();
    void b.run();
    await expect(second.whenListening()).rejects.toMatchObject({ code: "ERR_CANNOT_LISTEN" });
    expect(b.loggedEvents.map((e) => e.level)).toEqual(["error"]);
    await a.stop();
    await b.stop();
  });

  it("applies latency to set-up and to each delivery", async () => {
    const network = new MemoryNetwork({ latencyMs: 50 });
    const reactor = network.createReactor();
    reactor.listenTCP(1, ServerFactory.forProtocol(Echo));
    void reactor.run();
    const { factory, protocols } = collectingClient();
    reactor.connectTCP("h", 1, factory);
    network.advance(49);
    expect(protocols).toHaveLength(0);
    network.advance(1);
    protocols[0]?.transport?.write("ping");
    // Step by hop: like Twisted's Clock, one big advance() runs calls with now() = the new time.
    network.advance(50);
    network.advance(49);
    expect(protocols[0]?.text()).toBe("");
    network.advance(1);
    expect(protocols[0]?.text()).toBe("ping");
    await reactor.stop();
  });

  it("abort and callback failures close only the affected connection", async () => {
    const network = new MemoryNetwork();
    const reactor = network.createReactor();
    const servers: AccumulatingProtocol[] = [];
    class Picky extends AccumulatingProtocol {
      override dataReceived(data: Uint8Array): void {
        if (Buffer.from(data).toString() === "bad") throw new Error("bad input");
        super.dataReceived(data);
      }
    }
    const serverFactory = new Factory();
    serverFactory.buildProtocol = () => {
      const p = new Picky();
      servers.push(p);
      return p;
    };
    reactor.listenTCP(5, serverFactory);
    void reactor.run();
    const { factory, protocols } = collectingClient();
    for (let i = 0; i < 3; i++) reactor.connectTCP("h", 5, factory);
    network.advance(0);
    protocols[0]?.transport?.write("bad");
    protocols[1]?.transport?.abortConnection();
    protocols[2]?.transport?.write("good");
    network.advance(0);
    expect(servers[0]?.closedReason).toBeInstanceOf(ConnectionAborted);
    expect(protocols[0]?.closedReason).toBeInstanceOf(ConnectionLost);
    expect(reactor.loggedEvents.some((e) => e.message.includes("dataReceived"))).toBe(true);
    expect(protocols[1]?.closedReason).toBeInstanceOf(ConnectionAborted);
    expect(servers[1]?.closedReason).toBeInstanceOf(ConnectionLost);
    expect(servers[2]?.text()).toBe("good");
    expect(servers[2]?.closed).toBe(0);
    await reactor.stop();
    expect(servers[2]?.closedReason).toBeInstanceOf(ConnectionDone);
  });

  it("a server factory that refuses closes the connection at once", async () => {
    const network = new MemoryNetwork();
    const reactor = network.createReactor();
    reactor.listenTCP(5, new Factory());
    void reactor.run();
    const { factory, protocols } = collectingClient();
    reactor.connectTCP("h", 5, factory);
    network.advance(0);
    expect(protocols[0]?.made).toBe(1);
    expect(protocols[0]?.closedReason).toBeInstanceOf(ConnectionDone);
    await reactor.stop();
  });
});
