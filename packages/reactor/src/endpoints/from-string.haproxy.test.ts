/** The `haproxy:` prefix of serverFromString (Twisted's), over a real loopback socket. */
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Collector, RecordingFactory } from "../../test/echo.js";
import { tcpAddress } from "../core/address.js";
import { BadEndpointError } from "../core/errors.js";
import { nullLogger } from "../core/logger.js";
import { createReactor, type Reactor } from "../node/reactor.js";
import { HAProxyServerEndpoint } from "../proxy/endpoint.js";
import type { ProxiedTransport } from "../proxy/wrapper.js";
import { serverFromString } from "./from-string.js";

let reactor: Reactor | null = null;
afterEach(async () => {
  if (reactor && reactor.state !== "stopped") await reactor.stop();
  reactor = null;
});

describe('serverFromString(reactor, "haproxy:...")', () => {
  it("wraps any server endpoint: the protocol sees the client from the PROXY header", async () => {
    const r = createReactor({ logger: nullLogger });
    reactor = r;
    const endpoint = serverFromString(r, "haproxy:tcp:0:interface=127.0.0.1");
    expect(endpoint).toBeInstanceOf(HAProxyServerEndpoint);
    let built!: (c: Collector) => void;
    const first = new Promise<Collector>((resolve) => {
      built = resolve;
    });
    const factory = new RecordingFactory(() => {
      const c = new Collector();
      built(c);
      return c;
    });
    const running = r.run();
    const port = await endpoint.listen(factory);
    const address = port.getHost();
    if (address.type !== "TCP") throw new Error("expected TCP");
    const socket = connect({ host: "127.0.0.1", port: address.port });
    socket.on("error", () => {});
    socket.write("PROXY TCP4 198.51.100.9 203.0.113.1 40000 9000\r\nhello\r\n");
    const p = await first;
    await p.waitFor("hello");
    expect(factory.peers).toEqual([tcpAddress("198.51.100.9", 40000)]);
    const t = p.transport as ProxiedTransport;
    expect(t.getHost()).toEqual(tcpAddress("203.0.113.1", 9000));
    expect(t.getProxyPeer()).toMatchObject({ host: "127.0.0.1", port: socket.localPort });
    socket.destroy();
    await r.stop();
    await running;
  });

  it.each([
    ["haproxy", "must be followed by a server endpoint"],
    ["haproxy:", "must be followed by a server endpoint"],
    ["haproxy:bogus:1", "unknown server endpoint type"],
    ["haproxy:tcp:99999", "port"],
  ])("refuses %j with a BadEndpointError", (description, text) => {
    const r = createReactor({ logger: nullLogger });
    expect(() => serverFromString(r, description)).toThrow(BadEndpointError);
    expect(() => serverFromString(r, description)).toThrow(text);
  });

  it("needs a reactor with callLater (the header timeout)", () => {
    const r = createReactor({ logger: nullLogger });
    const noClock = {
      listenTCP: r.listenTCP.bind(r),
      listenUNIX: r.listenUNIX.bind(r),
      connectTCP: r.connectTCP.bind(r),
      connectUNIX: r.connectUNIX.bind(r),
    };
    expect(() => serverFromString(noClock, "haproxy:tcp:0")).toThrow("callLater");
  });
});
