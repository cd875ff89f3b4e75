import { connect, type Socket } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTransport } from "../../test/fake-transport.js";
import { collectingLogger, start, testReactor } from "../../test/helpers.js";
import { type Address, tcpAddress } from "../core/address.js";
import { ConnectionDone } from "../core/errors.js";
import type { FactoryLike, ProtocolLike, Transport } from "../core/interfaces.js";
import type { LogEvent } from "../core/logger.js";
import { Protocol } from "../core/protocol.js";
import type { Reactor } from "../node/reactor.js";
import { Clock } from "../time/clock.js";
import { PROXY_V2_SIGNATURE, ProxyHeaderParser } from "./parser.js";
import { HAProxyWrappingFactory, isProxiedTransport, type ProxiedTransport } from "./wrapper.js";

const enc = new TextEncoder();
const bytes = (text: string) => enc.encode(text);

class Recording extends Protocol {
  readonly received: Uint8Array[] = [];
  peerAtConnect: Address | null = null;
  lost: Error | null = null;
  override connectionMade(): void {
    this.peerAtConnect = this.transport?.getPeer() ?? null;
  }
  override dataReceived(data: Uint8Array): void {
    this.received.push(data);
  }
  override connectionLost(reason: Error): void {
    super.connectionLost(reason);
    this.lost = reason;
  }
  text(): string {
    return Buffer.concat(this.received).toString("latin1");
  }
}

/** A factory recording the address each protocol was built for. */
function recordingFactory(): FactoryLike & { built: Recording[]; addrs: Address[] } {
  return {
    built: [],
    addrs: [],
    buildProtocol(addr) {
      this.addrs.push(addr);
      const p = new Recording();
      this.built.push(p);
      return p;
    },
    doStart() {},
    doStop() {},
  };
}

function setup(options: { headerTimeoutMs?: number } = {}) {
  const clock = new Clock();
  const logger = collectingLogger();
  const inner = recordingFactory();
  const factory = new HAProxyWrappingFactory(inner, { clock, logger, ...options });
  const transport = new FakeTransport();
  const wrapper = factory.buildProtocol(transport.getPeer());
  wrapper.makeConnection(transport);
  return { clock, logger, inner, factory, transport, wrapper };
}

const V1 = "PROXY TCP4 192.0.2.10 192.0.2.20 51000 7000\r\n";

describe("HAProxyWrappingFactory", () => {
  it("builds the wrapped protocol once the header arrived, for the client's address", () => {
    const { inner, wrapper, transport } = setup();
    wrapper.dataReceived(bytes("PROXY TCP4 192.0.2.10 "));
    expect(inner.built).toHaveLength(0);
    wrapper.dataReceived(bytes("192.0.2.20 51000 7000\r\nfirst line\n"));
    expect(inner.addrs).toEqual([tcpAddress("192.0.2.10", 51000)]);
    const p = inner.built[0] as Recording;
    expect(p.peerAtConnect).toEqual(tcpAddress("192.0.2.10", 51000));
    expect(p.text()).toBe("first line\n"); // delivered in the same call
    const t = p.transport as ProxiedTransport;
    expect(isProxiedTransport(t)).toBe(true);
    expect(t.getPeer()).toEqual(tcpAddress("192.0.2.10", 51000));
    expect(t.getHost()).toEqual(tcpAddress("192.0.2.20", 7000));
    expect(t.getProxyPeer()).toEqual(transport.getPeer());
    expect(t.getProxyHost()).toEqual(transport.getHost());
    expect(t.proxyHeader.version).toBe(1);
    expect(t.local).toBe(false);
    wrapper.dataReceived(bytes("second\n"));
    expect(p.text()).toBe("first line\nsecond\n");
    t.write("reply");
    expect(transport.written).toEqual(["reply"]);
    wrapper.connectionLost(new ConnectionDone());
    expect(p.lost).toBeInstanceOf(ConnectionDone);
  });

  it("a v2 LOCAL header (a health check) keeps the socket's own addresses", () => {
    const { inner, wrapper, transport } = setup();
    const local = new Uint8Array([...PROXY_V2_SIGNATURE, 0x20, 0x00, 0, 0]);
    wrapper.dataReceived(local);
    const t = inner.built[0]?.transport as ProxiedTransport;
    expect(t.proxyHeader.command).toBe("LOCAL");
    expect(t.local).toBe(true);
    expect(t.getPeer()).toEqual(transport.getPeer());
    expect(t.getHost()).toEqual(transport.getHost());
  });

  it("a header naming the socket's own addresses (HAProxy's send-proxy health check) is local", () => {
    const { inner, wrapper } = setup(); // the fake socket: 127.0.0.9:40000 -> 127.0.0.1:9000
    wrapper.dataReceived(bytes("PROXY TCP4 127.0.0.9 127.0.0.1 40000 9000\r\n"));
    expect((inner.built[0]?.transport as ProxiedTransport | undefined)?.local).toBe(true);
    const other = setup();
    other.wrapper.dataReceived(bytes("PROXY TCP4 127.0.0.9 127.0.0.1 40001 9000\r\n"));
    expect((other.inner.built[0]?.transport as ProxiedTransport | undefined)?.local).toBe(false);
    // Reset before it was accepted: the socket's peer is unknown, the destination decides.
    const clock = new Clock();
    const f = recordingFactory();
    const reset = new HAProxyWrappingFactory(f, { clock }).buildProtocol(tcpAddress("", 0));
    reset.makeConnection(new FakeTransport(tcpAddress("", 0)));
    reset.dataReceived(bytes("PROXY TCP4 127.0.0.1 127.0.0.1 40000 9000\r\n"));
    expect((f.built[0]?.transport as ProxiedTransport | undefined)?.local).toBe(true);
  });

  it("drops a malformed header with a logged reason; nothing reaches the wrapped factory", () => {
    const { inner, wrapper, transport, logger, factory } = setup();
    wrapper.dataReceived(bytes("GET / HTTP/1.0\r\n\r\n"));
    expect(transport.disconnecting).toBe(true);
    expect(inner.built).toHaveLength(0);
    wrapper.dataReceived(bytes("more"));
    wrapper.connectionLost(new ConnectionDone());
    expect(inner.built).toHaveLength(0);
    expect(logger.events).toHaveLength(1);
    expect(logger.events[0]).toMatchObject({
      level: "warn",
      message: expect.stringContaining("127.0.0.9:40000"),
      context: { code: "ERR_INVALID_PROXY_HEADER", reason: "not-proxy" },
    });
    expect(factory.invalidHeaders).toBe(1);
  });

  it("drops a connection whose header is not complete within headerTimeoutMs (on the reactor's clock)", () => {
    const { clock, wrapper, transport, logger, inner } = setup({ headerTimeoutMs: 2000 });
    wrapper.dataReceived(bytes("PROXY TCP4 "));
    clock.advance(1999);
    expect(transport.disconnecting).toBe(false);
    clock.advance(1);
    expect(transport.disconnecting).toBe(true);
    expect(logger.events[0]?.context).toMatchObject({ reason: "timeout" });
    wrapper.dataReceived(bytes("192.0.2.1 192.0.2.2 1 2\r\n"));
    expect(inner.built).toHaveLength(0);
  });

  it("the timer is cancelled once the header arrived", () => {
    const { clock, wrapper, transport } = setup({ headerTimeoutMs: 2000 });
    wrapper.dataReceived(bytes(V1));
    expect(clock.getDelayedCalls()).toHaveLength(0);
    clock.advance(10_000);
    expect(transport.disconnecting).toBe(false);
  });

  it("a connection closed before any byte (a TCP check) is logged at debug only; mid-header at warn", () => {
    const a = setup();
    a.wrapper.connectionLost(new ConnectionDone());
    expect(a.logger.events.map((e) => e.level)).toEqual(["debug"]);
    expect(a.clock.getDelayedCalls()).toHaveLength(0);
    const b = setup();
    b.wrapper.dataReceived(bytes("PROXY TCP"));
    b.wrapper.connectionLost(new ConnectionDone());
    expect(b.logger.events[0]).toMatchObject({ level: "warn", context: { reason: "incomplete" } });
  });

  it("closes the connection when the wrapped factory refuses it", () => {
    const clock = new Clock();
    const refusing: FactoryLike = { buildProtocol: () => null, doStart() {}, doStop() {} };
    const wrapper = new HAProxyWrappingFactory(refusing, { clock }).buildProtocol(
      tcpAddress("127.0.0.1", 1),
    );
    const transport = new FakeTransport();
    wrapper.makeConnection(transport);
    wrapper.dataReceived(bytes(V1));
    expect(transport.disconnecting).toBe(true);
  });

  it("holds the bytes after the header while the protocol paused in connectionMade", () => {
    const clock = new Clock();
    class Pauser extends Recording {
      override connectionMade(): void {
        this.transport?.pauseProducing();
      }
    }
    const p = new Pauser();
    const f: FactoryLike = { buildProtocol: () => p, doStart() {}, doStop() {} };
    const wrapper = new HAProxyWrappingFactory(f, { clock }).buildProtocol(tcpAddress("::1", 1));
    const transport = new FakeTransport();
    wrapper.makeConnection(transport);
    wrapper.dataReceived(bytes(`${V1}early`));
    expect(p.received).toHaveLength(0);
    expect(transport.paused).toBe(true);
    p.transport?.resumeProducing();
    expect(p.text()).toBe("early");
    expect(transport.paused).toBe(false);
  });

  it("offers half-close callbacks only when the wrapped protocol has them", () => {
    const { wrapper } = setup();
    const w = wrapper as ProtocolLike;
    expect(w.readConnectionLost).toBeUndefined();
    wrapper.dataReceived(bytes(V1));
    expect(w.readConnectionLost).toBeUndefined();
    const clock = new Clock();
    let halfClosed = 0;
    class HalfCloser extends Protocol {
      readConnectionLost(): void {
        halfClosed++;
      }
    }
    const f: FactoryLike = { buildProtocol: () => new HalfCloser(), doStart() {}, doStop() {} };
    const w2 = new HAProxyWrappingFactory(f, { clock }).buildProtocol(tcpAddress("::1", 1));
    w2.makeConnection(new FakeTransport());
    expect(w2.readConnectionLost).toBeUndefined();
    w2.dataReceived(bytes(V1));
    w2.readConnectionLost?.();
    expect(halfClosed).toBe(1);
  });

  it("validates its options", () => {
    const clock = new Clock();
    const f = recordingFactory();
    expect(() => new HAProxyWrappingFactory(f, { clock, headerTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => new HAProxyWrappingFactory(f, { clock, maxHeaderLength: 10 })).toThrow(RangeError);
  });

  it(`any bytes in any chunks: the wrapped protocol is built exactly when the parser accepts a header, and sees the bytes after it (3000 runs)`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 120 }).map((b) => new Uint8Array([...bytes(V1), ...b])),
          fc
            .uint8Array({ maxLength: 200 })
            .map((b) => new Uint8Array([...PROXY_V2_SIGNATURE, ...b])),
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        (data, cuts) => {
          const { wrapper, inner, transport, clock } = setup();
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          let at = 0;
          for (const p of [...points, data.length]) {
            if (!transport.disconnecting) wrapper.dataReceived(data.subarray(at, p));
            at = p;
          }
          const expected = new ProxyHeaderParser().feed(data);
          if (expected.kind === "header") {
            expect(inner.built).toHaveLength(1);
            expect(Buffer.concat(inner.built[0]?.received ?? [])).toEqual(
              Buffer.from(expected.rest),
            );
          } else {
            expect(inner.built).toHaveLength(0);
            expect(transport.disconnecting).toBe(expected.kind === "error");
          }
          wrapper.connectionLost(new ConnectionDone());
          expect(clock.getDelayedCalls()).toHaveLength(0);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("HAProxyWrappingFactory on a real reactor (loopback)", () => {
  let reactor: Reactor & { readonly logged: LogEvent[] };
  let done: Promise<void>;
  let port = 0;
  const inner = recordingFactory();
  let factory: HAProxyWrappingFactory;
  const log = collectingLogger();

  beforeAll(async () => {
    reactor = testReactor();
    ({ done } = await start(reactor));
    factory = new HAProxyWrappingFactory(inner, {
      clock: reactor,
      logger: log,
      headerTimeoutMs: 1000,
    });
    const listening = reactor.listenTCP(0, factory, { host: "127.0.0.1" });
    const addr = await listening.whenListening();
    port = addr.type === "TCP" ? addr.port : 0;
  });

  afterAll(async () => {
    await reactor.stop();
    await done;
  });

  /** Sends `data`, half-closes, and resolves with what came back once the server closed. */
  function exchange(data: Uint8Array): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket: Socket = connect({ host: "127.0.0.1", port }, () => socket.end(data));
      const got: Buffer[] = [];
      socket.on("data", (d) => got.push(d));
      socket.on("error", reject);
      socket.on("close", () => resolve(Buffer.concat(got).toString("latin1")));
    });
  }

  it("a real connection: getPeer() is the client from the header, getProxyPeer() the socket's peer", async () => {
    const before = inner.built.length;
    await exchange(bytes(`${V1}hello`));
    const p = inner.built[before] as Recording;
    expect(p.peerAtConnect).toEqual(tcpAddress("192.0.2.10", 51000));
    expect(p.text()).toBe("hello");
    const proxyPeer = (p.transport as ProxiedTransport).getProxyPeer();
    expect(proxyPeer).toMatchObject({ type: "TCP", host: "127.0.0.1" });
  });

  it("a stalled header is dropped after the timeout, on the reactor's clock", async () => {
    const before = inner.built.length;
    const started = reactor.now();
    const closed = await new Promise<number>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => socket.write("PROXY TCP4 "));
      socket.on("error", () => {});
      socket.on("close", () => resolve(reactor.now()));
    });
    expect(closed - started).toBeGreaterThanOrEqual(950);
    expect(inner.built.length).toBe(before);
  });

  it(`any bytes from many connections never crash the reactor; valid headers only reach the factory (1000 runs)`, async () => {
    let accepted = 0;
    const before = inner.built.length;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 200 }),
          fc.uint8Array({ maxLength: 100 }).map((b) => new Uint8Array([...bytes(V1), ...b])),
          fc
            .uint8Array({ maxLength: 100 })
            .map((b) => new Uint8Array([...PROXY_V2_SIGNATURE, ...b])),
        ),
        async (data) => {
          if (new ProxyHeaderParser().feed(data).kind === "header") accepted++;
          await exchange(data);
        },
      ),
      { numRuns: 1000 },
    );
    expect(inner.built.length - before).toBe(accepted);
    expect(reactor.running).toBe(true);
    const reply = await exchange(bytes(`${V1}still fine`));
    expect(reply).toBe("");
    expect(inner.built.at(-1)?.text()).toBe("still fine");
    expect(log.events.filter((e) => e.level === "error")).toEqual([]);
    expect(reactor.logged.filter((e) => e.level === "error")).toEqual([]);
  });
});

// Type-level check: a ProxiedTransport is a Transport.
const _assignable: (t: ProxiedTransport) => Transport = (t) => t;
void _assignable;
