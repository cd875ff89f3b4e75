import { createServer, connect as netConnect, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  clientFactoryOf,
  connectedPair,
  deferred,
  Recorder,
  serverFactoryOf,
  start,
  testReactor,
  whenReceived,
} from "../../test/helpers.js";
import type { Producer } from "../core/interfaces.js";
import type { SocketTransport } from "./socket-transport.js";

const MB = 1024 * 1024;

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

/** A raw node:net client that counts what it receives; resolves `closed` with the byte count. */
function rawPeer(port: number, options: { read: boolean } = { read: true }) {
  const socket = netConnect({ host: "127.0.0.1", port });
  let bytes = 0;
  const closed = deferred<{ bytes: number; error: Error | null }>();
  let error: Error | null = null;
  socket.on("error", (e) => {
    error = e;
  });
  socket.on("data", (c: Buffer) => {
    bytes += c.length;
  });
  socket.on("close", () => closed.resolve({ bytes, error }));
  if (!options.read) socket.pause();
  const connected = new Promise<void>((res) => socket.once("connect", () => res()));
  return { socket, closed: closed.promise, connected, received: () => bytes };
}

describe("TCP transport", () => {
  it("round-trips data and reports host and peer addresses", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const { server, client, port } = await connectedPair(r, new Recorder(), new Recorder());
    const addr = port.getHost();
    expect(addr).toMatchObject({ type: "TCP", host: "127.0.0.1", family: "IPv4" });
    if (addr.type !== "TCP") throw new Error("TCP expected");
    expect(addr.port).toBeGreaterThan(0);
    expect(client.transport?.getPeer()).toMatchObject({
      type: "TCP",
      host: "127.0.0.1",
      port: addr.port,
    });
    expect(server.transport?.getHost()).toMatchObject({ type: "TCP", port: addr.port });
    expect(server.transport?.getPeer()).toEqual(client.transport?.getHost());

    const got = whenReceived(server, (p) => p.text() === "hello, world");
    client.transport?.write("hello, ");
    client.transport?.writeSequence([new TextEncoder().encode("wor"), "ld"]);
    await got;
    expect(server.chunks.every((c) => c instanceof Uint8Array)).toBe(true);
    await r.stop();
    await done;
  });

  it("loseConnection() flushes several MB before closing; both sides see ConnectionDone", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const payload = new Uint8Array(6 * MB).fill(7);
    const server = new (class extends Recorder {
      override connectionMade(): void {
        super.connectionMade();
        this.transport?.write(payload);
        this.transport?.write("tail");
        this.transport?.loseConnection();
        this.transport?.write("dropped after loseConnection");
      }
    })();
    const port = r.listenTCP(0, serverFactoryOf(server), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const peer = rawPeer(addr.port);
    const { bytes, error } = await peer.closed;
    expect(error).toBeNull();
    expect(bytes).toBe(payload.byteLength + 4);
    expect((await server.lost.promise).constructor.name).toBe("ConnectionDone");
    expect((server.reason as { code?: string }).code).toBe("ERR_CONNECTION_DONE");
    await r.stop();
    await done;
  });

  it("abortConnection() gives ConnectionAborted locally and ConnectionLost to a peer that was writing", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const writer = new (class extends Recorder {
      override connectionMade(): void {
        super.connectionMade();
        this.transport?.write(new Uint8Array(8 * MB)); // mid-write when the reset arrives
      }
    })();
    const { server, client } = await connectedPair(r, new Recorder(), writer);
    await whenReceived(server, (p) => p.bytes > 0);
    server.transport?.abortConnection();
    server.transport?.abortConnection(); // idempotent
    const local = await server.lost.promise;
    const remote = await client.lost.promise;
    expect((local as { code?: string }).code).toBe("ERR_CONNECTION_ABORTED");
    expect((remote as { code?: string }).code).toBe("ERR_CONNECTION_LOST");
    await r.stop();
    await done;
  });

  it("a peer closing cleanly gives ConnectionDone; writes after close are ignored", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const { server, client } = await connectedPair(r, new Recorder(), new Recorder());
    client.transport?.loseConnection();
    expect(client.transport?.disconnecting).toBe(true);
    expect(((await server.lost.promise) as { code?: string }).code).toBe("ERR_CONNECTION_DONE");
    expect(((await client.lost.promise) as { code?: string }).code).toBe("ERR_CONNECTION_DONE");
    expect(server.transport?.disconnected).toBe(true);
    expect(() => server.transport?.write("late")).not.toThrow();
    expect(() => server.transport?.loseConnection()).not.toThrow();
    expect(() => server.transport?.abortConnection()).not.toThrow();
    await r.stop();
    await done;
  });

  it("pauses the reading side with pauseProducing and delivers everything after resumeProducing", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const { server, client } = await connectedPair(r, new Recorder(), new Recorder());
    await whenReceived(server, () => true);
    server.transport?.pauseProducing();
    client.transport?.write("one ");
    client.transport?.write("two");
    // The reactor keeps turning; an echo round trip on another connection proves time passed.
    const probe = await connectedPair(r, new Recorder(), new Recorder());
    const echoed = whenReceived(probe.server, (p) => p.text() === "probe");
    probe.client.transport?.write("probe");
    await echoed;
    expect(server.text()).toBe("");
    const all = whenReceived(server, (p) => p.text() === "one two");
    server.transport?.resumeProducing();
    await all;
    await r.stop();
    await done;
  });

  it("backpressure: a push producer is paused while the peer does not read, memory stays bounded", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const total = 32 * MB;
    const chunk = new Uint8Array(64 * 1024);
    let produced = 0;
    let pauses = 0;
    let maxBuffered = 0;
    let transport: SocketTransport | null = null;
    const producer: Producer & { paused: boolean } = {
      paused: false,
      pauseProducing() {
        this.paused = true;
        pauses++;
      },
      resumeProducing() {
        this.paused = false;
        while (!this.paused && produced < total && transport) {
          transport.write(chunk);
          produced += chunk.byteLength;
          maxBuffered = Math.max(maxBuffered, transport.bufferedAmount);
        }
        if (produced >= total) {
          transport?.unregisterProducer();
          transport?.loseConnection();
        }
      },
      stopProducing() {},
    };
    const server = new (class extends Recorder {
      override connectionMade(): void {
        super.connectionMade();
        transport = this.transport as SocketTransport;
        transport.registerProducer(producer, true);
        producer.resumeProducing();
      }
    })();
    const port = r.listenTCP(0, serverFactoryOf(server), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const peer = rawPeer(addr.port, { read: false });
    await server.made.promise;
    // Wait (on loop turns, bounded) until the producer has stayed paused for a while: kernel buffers full.
    let quietTurns = 0;
    for (let turn = 0; turn < 200_000 && quietTurns < 200; turn++) {
      const before = produced;
      await new Promise((res) => setImmediate(res));
      quietTurns = producer.paused && produced === before ? quietTurns + 1 : 0;
    }
    expect(producer.paused).toBe(true);
    expect(pauses).toBeGreaterThan(0);
    expect(produced).toBeLessThan(total);
    expect(maxBuffered).toBeLessThanOrEqual(16 * 1024 + chunk.byteLength);
    peer.socket.resume();
    const { bytes } = await peer.closed;
    expect(bytes).toBe(total);
    expect(maxBuffered).toBeLessThanOrEqual(16 * 1024 + chunk.byteLength);
    await r.stop();
    await done;
  }, 30_000);

  it("a pull producer is asked for more each time the buffer drains", async () => {
    const r = testReactor();
    const { done } = await start(r);
    let rounds = 0;
    let transport: SocketTransport | null = null;
    const producer: Producer = {
      resumeProducing() {
        rounds++;
        if (rounds > 20) {
          transport?.unregisterProducer();
          transport?.loseConnection();
          return;
        }
        transport?.write(new Uint8Array(256 * 1024));
      },
      stopProducing() {},
    };
    const server = new (class extends Recorder {
      override connectionMade(): void {
        super.connectionMade();
        transport = this.transport as SocketTransport;
        transport.registerProducer(producer, false);
      }
    })();
    const port = r.listenTCP(0, serverFactoryOf(server), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const { bytes } = await rawPeer(addr.port).closed;
    expect(bytes).toBe(20 * 256 * 1024);
    expect(() =>
      (server.transport as SocketTransport).registerProducer(producer, false),
    ).not.toThrow();
    await r.stop();
    await done;
  });

  it("refuses a second producer", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const { server } = await connectedPair(r, new Recorder(), new Recorder());
    const p: Producer = { resumeProducing() {}, stopProducing() {} };
    server.transport?.registerProducer(p, true);
    expect(() => server.transport?.registerProducer(p, true)).toThrow();
    await r.stop();
    await done;
  });

  it("half-close: a protocol with readConnectionLost keeps writing after the peer's FIN", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const order: string[] = [];
    const server = new (class extends Recorder {
      readConnectionLost(): void {
        order.push(`server read closed after "${this.text()}"`);
        this.transport?.write("reply");
        this.transport?.loseConnection();
      }
    })();
    const client = new (class extends Recorder {
      writeConnectionLost(): void {
        order.push("client write closed");
      }
    })();
    await connectedPair(r, server, client);
    client.transport?.write("request");
    client.transport?.loseWriteConnection();
    client.transport?.write("ignored after half-close");
    const reason = await client.lost.promise;
    expect((reason as { code?: string }).code).toBe("ERR_CONNECTION_DONE");
    expect(client.text()).toBe("reply");
    expect(order).toEqual(["client write closed", 'server read closed after "request"']);
    expect(((await server.lost.promise) as { code?: string }).code).toBe("ERR_CONNECTION_DONE");
    await r.stop();
    await done;
  });

  it("without readConnectionLost, the peer's half-close closes the connection cleanly", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const { server, client } = await connectedPair(r, new Recorder(), new Recorder());
    client.transport?.loseWriteConnection();
    expect(((await server.lost.promise) as { code?: string }).code).toBe("ERR_CONNECTION_DONE");
    expect(((await client.lost.promise) as { code?: string }).code).toBe("ERR_CONNECTION_DONE");
    await r.stop();
    await done;
  });

  it("setTcpNoDelay / setTcpKeepAlive do not throw", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const { server } = await connectedPair(r, new Recorder(), new Recorder());
    server.transport?.setTcpNoDelay(true);
    server.transport?.setTcpKeepAlive(true, 1000);
    await r.stop();
    await done;
  });
});

describe("TCP ports", () => {
  it("listenTCP before run() binds at startup; getHost() throws ERR_NOT_LISTENING until then", async () => {
    const r = testReactor();
    const factory = serverFactoryOf();
    const port = r.listenTCP(0, factory, { host: "127.0.0.1" });
    expect(() => port.getHost()).toThrow(expect.objectContaining({ code: "ERR_NOT_LISTENING" }));
    expect(factory.starts).toBe(0);
    let boundInStartup: boolean | null = null;
    r.addSystemEventTrigger("after", "startup", () => {
      boundInStartup = r.getListeningPorts().length === 1;
    });
    const { done } = await start(r);
    const addr = await port.whenListening();
    expect(boundInStartup).toBe(true);
    expect(addr.type === "TCP" && addr.port > 0).toBe(true);
    expect(factory.starts).toBe(1);
    await r.stop();
    await done;
    expect(factory.stops).toBe(1);
  });

  it("CannotListenError (ERR_CANNOT_LISTEN) on a port in use, via whenListening(), logged, no unhandled rejection", async () => {
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(0, "127.0.0.1", res));
    const used = (blocker.address() as { port: number }).port;
    const r = testReactor();
    const { done } = await start(r);
    const factory = serverFactoryOf();
    const port = r.listenTCP(used, factory, { host: "127.0.0.1" });
    const error = await port.whenListening().then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe("ERR_CANNOT_LISTEN");
    expect(factory.starts).toBe(0);
    expect(
      r.logged.some(
        (e) => e.level === "error" && (e.error as { code?: string }).code === "ERR_CANNOT_LISTEN",
      ),
    ).toBe(true);
    // A failed port that nobody awaits must not produce an unhandled rejection either.
    r.listenTCP(used, factory, { host: "127.0.0.1" });
    await r.stop();
    await done;
    expect(r.getResources()).toEqual([]);
    await new Promise<void>((res) => blocker.close(() => res()));
  });

  it("stopListening() stops accepting, leaves accepted connections alone, resolves and is idempotent", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const factory = serverFactoryOf(new Recorder());
    const port = r.listenTCP(0, factory, { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const client = new Recorder();
    r.connectTCP("127.0.0.1", addr.port, clientFactoryOf(client));
    await client.made.promise;
    const first = port.stopListening();
    expect(port.stopListening()).toBe(first);
    await first;
    expect(factory.stops).toBe(1);
    expect(r.getListeningPorts()).toEqual([]);
    // the accepted connection still works
    expect(client.transport?.disconnecting).toBe(false);
    // and new connections are refused
    const refused = clientFactoryOf(new Recorder());
    r.connectTCP("127.0.0.1", addr.port, refused);
    expect(((await refused.failed.promise) as { code?: string }).code).toBe(
      "ERR_CONNECTION_REFUSED",
    );
    await r.stop();
    await done;
  });

  it("stopListening() right after listenTCP (still binding) never leaves a bound socket", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const factory = serverFactoryOf();
    const port = r.listenTCP(0, factory, { host: "localhost" });
    await port.stopListening();
    const outcome = await port.whenListening().then(
      () => "listening",
      (e: { code?: string }) => e.code,
    );
    expect(outcome).toBe("ERR_NOT_LISTENING");
    await r.stop();
    await done;
    expect(factory.starts).toBe(factory.stops);
    expect(r.getResources()).toEqual([]);
    expect(process.getActiveResourcesInfo()).not.toContain("TCPServerWrap");
  });

  it("a factory used by two ports is started once and stopped when the last port closes", async () => {
    const r = testReactor();
    const { done } = await start(r);
    let started = 0;
    let stopped = 0;
    const { ServerFactory } = await import("../core/factory.js");
    const factory = new (class extends ServerFactory {
      override startFactory(): void {
        started++;
      }
      override stopFactory(): void {
        stopped++;
      }
    })();
    const a = r.listenTCP(0, factory, { host: "127.0.0.1" });
    const b = r.listenTCP(0, factory, { host: "127.0.0.1" });
    await Promise.all([a.whenListening(), b.whenListening()]);
    expect([started, factory.numPorts]).toEqual([1, 2]);
    await a.stopListening();
    expect([stopped, factory.numPorts]).toEqual([0, 1]);
    await b.stopListening();
    expect([stopped, factory.numPorts]).toEqual([1, 0]);
    factory.doStop(); // extra doStop at 0 is ignored
    expect([stopped, factory.numPorts]).toEqual([1, 0]);
    await r.stop();
    await done;
  });

  it("buildProtocol returning null refuses the connection", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const port = r.listenTCP(0, serverFactoryOf(), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const client = new Recorder();
    const cf = clientFactoryOf(client);
    r.connectTCP("127.0.0.1", addr.port, cf);
    const reason = await client.lost.promise;
    expect(reason).toBeInstanceOf(Error);
    expect(await cf.lost.promise).toBe(reason);
    await r.stop();
    await done;
  });

  it("rejects invalid ports with ERR_INVALID_ARG", () => {
    const r = testReactor();
    expect(() => r.listenTCP(70_000, serverFactoryOf())).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG" }),
    );
    expect(() => r.listenTCP(1.5, serverFactoryOf())).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG" }),
    );
    expect(() => r.connectTCP("127.0.0.1", 0, clientFactoryOf(null))).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG" }),
    );
  });
});

describe("shutdown and connections", () => {
  it("stop() flushes pending writes before closing", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const size = 4 * MB;
    const server = new Recorder();
    const port = r.listenTCP(0, serverFactoryOf(server), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const peer = rawPeer(addr.port);
    await server.made.promise;
    server.transport?.write(new Uint8Array(size));
    await r.stop();
    await done;
    const { bytes } = await peer.closed;
    expect(bytes).toBe(size);
    expect((server.reason as { code?: string }).code).toBe("ERR_CONNECTION_DONE");
  });

  it("stop() aborts a connection whose peer never reads after shutdownTimeoutMs", async () => {
    const r = testReactor({ shutdownTimeoutMs: 50 });
    const { done } = await start(r);
    const server = new Recorder();
    const port = r.listenTCP(0, serverFactoryOf(server), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const peer = rawPeer(addr.port, { read: false });
    await server.made.promise;
    server.transport?.write(new Uint8Array(64 * MB));
    await r.stop();
    await done;
    expect((server.reason as { code?: string }).code).toBe("ERR_CONNECTION_ABORTED");
    expect(
      r.logged.some((e) => e.level === "warn" && /Aborting 1 connection/.test(e.message)),
    ).toBe(true);
    expect(r.getResources()).toEqual([]);
    peer.socket.resume();
    await peer.closed;
  });

  it("a connection accepted during before-shutdown is served, then closed by the shutdown", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const server = new Recorder();
    const port = r.listenTCP(0, serverFactoryOf(server), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    let peer: ReturnType<typeof rawPeer> | null = null;
    const id = r.addSystemEventTrigger("before", "shutdown", async () => {
      peer = rawPeer(addr.port);
      await server.made.promise;
      server.transport?.write("bye");
    });
    await r.stop();
    await done;
    r.removeSystemEventTrigger(id);
    const p = peer as ReturnType<typeof rawPeer> | null;
    expect(p).not.toBeNull();
    expect((await p?.closed)?.bytes).toBe(3);
    expect(r.getResources()).toEqual([]);
  });

  it("peers connecting after shutdown are refused; the port is gone", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const port = r.listenTCP(0, serverFactoryOf(), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    await r.stop();
    await done;
    const s: Socket = netConnect({ host: "127.0.0.1", port: addr.port });
    const err = await new Promise<NodeJS.ErrnoException>((res) => s.once("error", res));
    expect(err.code).toBe("ECONNREFUSED");
  });
});
