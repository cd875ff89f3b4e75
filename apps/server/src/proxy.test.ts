/**
 * `--proxy-protocol` (proxy.ts) without sockets: the line server behind an HAProxyWrappingFactory on a
 * StringTransport and a virtual Clock, and startServer on a memory network (the real HAProxy runs in
 * tooling/load/src/haproxy).
 */
import {
  ClientFactory,
  ConnectionDone,
  HAProxyWrappingFactory,
  type LogEvent,
  PROXY_V2_SIGNATURE,
  Protocol,
  tcpAddress,
} from "@lr/reactor";
import { Clock, MemoryNetwork, StringTransport } from "@lr/testing";
import { describe, expect, it } from "vitest";
import { parseServerArgs, SERVER_HELP } from "./cli.js";
import { LineServerFactory } from "./line-server.js";
import { createServerOutput } from "./output.js";
import { balancerOf, withProxyProtocol } from "./proxy.js";
import { startServer } from "./server.js";

const BALANCER = tcpAddress("127.0.0.1", 40123);
const SELF = tcpAddress("127.0.0.1", 9000);

function setup(json: boolean, quiet = false) {
  const writes: string[] = [];
  const logged: LogEvent[] = [];
  const lines = new LineServerFactory(
    { maxLineLength: 1024, quiet },
    createServerOutput({ json, quiet }, (s) =>
      writes.push(typeof s === "string" ? s : Buffer.from(s).toString()),
    ),
  );
  const factory = new HAProxyWrappingFactory(lines, {
    clock: new Clock(),
    logger: { emit: (e) => logged.push(e) },
  });
  const connect = (first: Uint8Array | string) => {
    const protocol = factory.buildProtocol(BALANCER);
    const transport = new StringTransport({ peerAddress: BALANCER, hostAddress: SELF });
    protocol.makeConnection(transport);
    protocol.dataReceived(typeof first === "string" ? Buffer.from(first) : first);
    return { protocol, transport };
  };
  return { writes, logged, lines, connect };
}

describe("lr-server --proxy-protocol", () => {
  it("is a flag, off by default, documented in --help", () => {
    const on = parseServerArgs(["--proxy-protocol"]);
    const off = parseServerArgs([]);
    expect(on.kind === "run" && on.options.proxyProtocol).toBe(true);
    expect(off.kind === "run" && off.options.proxyProtocol === true).toBe(false);
    expect(SERVER_HELP).toContain("--proxy-protocol");
  });

  it("withProxyProtocol wraps only when asked; balancerOf is null for a direct connection", () => {
    const { lines } = setup(true);
    const clock = new Clock();
    expect(withProxyProtocol(lines, clock, undefined)).toBe(lines);
    expect(withProxyProtocol(lines, clock, true)).toBeInstanceOf(HAProxyWrappingFactory);
    expect(balancerOf(null)).toBeNull();
    expect(balancerOf(new StringTransport())).toBeNull();
  });

  it("--json: the connection event's peer is the client, via the balancer", () => {
    const { writes, connect, lines } = setup(true);
    connect("PROXY TCP4 127.0.0.2 127.0.0.1 51000 7000\r\nhello\r\n");
    expect(writes.join("")).toBe(
      '{"event":"connection","id":1,"peer":"127.0.0.2:51000","via":"127.0.0.1:40123"}\n' +
        '{"event":"line","id":1,"data":"hello"}\n',
    );
    expect(lines.totals()).toEqual({ connections: 1, lines: 1 });
  });

  it("text: the connection line names the peer and the balancer", () => {
    const { writes, connect } = setup(false);
    connect("PROXY TCP6 ::1 ::1 51000 7000\r\n");
    expect(writes.join("")).toBe(
      "server received a connection! peer=[::1]:51000 via=127.0.0.1:40123\n",
    );
  });

  it("a UNIX path in a v2 header cannot put control characters on the terminal", () => {
    const { writes, connect } = setup(false);
    const body = new Uint8Array(216);
    body.set(Buffer.from("/tmp/\x1b[2Jx"), 0);
    body.set(Buffer.from("/run/lr"), 108);
    connect(new Uint8Array([...PROXY_V2_SIGNATURE, 0x21, 0x31, 0, 216, ...body]));
    expect(writes.join("")).toBe(
      "server received a connection! peer=unix:/tmp/\\x1b[2Jx via=127.0.0.1:40123\n",
    );
  });

  it("health checks (v2 LOCAL; a v1 header naming the socket itself) are served but neither reported nor counted", () => {
    for (const quiet of [false, true]) {
      const { writes, connect, lines, logged } = setup(true, quiet);
      const v2 = connect(new Uint8Array([...PROXY_V2_SIGNATURE, 0x20, 0x00, 0, 0]));
      const v1 = connect("PROXY TCP4 127.0.0.1 127.0.0.1 40123 9000\r\n");
      v2.protocol.connectionLost(new ConnectionDone());
      v1.protocol.connectionLost(new ConnectionDone());
      expect(writes).toEqual([]);
      expect(lines.totals()).toEqual({ connections: 0, lines: 0 });
      expect(logged).toEqual([]);
      connect("PROXY TCP4 127.0.0.3 127.0.0.1 1 7000\r\n");
      expect(lines.totals().connections).toBe(1);
    }
  });

  it("a connection without a valid header is dropped, logged, and never reported as a connection", () => {
    const { writes, connect, lines, logged } = setup(true);
    const { transport, protocol } = connect("hello\r\n");
    expect(transport.disconnecting).toBe(true);
    protocol.connectionLost(new ConnectionDone());
    expect(writes).toEqual([]);
    expect(lines.totals()).toEqual({ connections: 0, lines: 0 });
    expect(logged).toMatchObject([
      { level: "warn", context: { code: "ERR_INVALID_PROXY_HEADER", reason: "not-proxy" } },
    ]);
  });

  it("health checks' lines are not reported or counted; client numbers stay dense (the check has none in the output)", () => {
    const { writes, connect, lines } = setup(true);
    const check = connect(new Uint8Array([...PROXY_V2_SIGNATURE, 0x20, 0x00, 0, 0]));
    check.protocol.dataReceived(Buffer.from("ping\r\n"));
    connect("PROXY TCP4 127.0.0.4 127.0.0.1 2 7000\r\nhi\r\n");
    expect(writes.join("")).toBe(
      '{"event":"connection","id":1,"peer":"127.0.0.4:2","via":"127.0.0.1:40123"}\n' +
        '{"event":"line","id":1,"data":"hi"}\n',
    );
    expect(lines.totals()).toEqual({ connections: 1, lines: 1 });
  });

  it("startServer wraps the connection limits: --max-connections-per-peer counts the client named by the header", async () => {
    const network = new MemoryNetwork();
    const server = network.createReactor();
    const writes: string[] = [];
    const refused: LogEvent[] = [];
    const { port } = startServer(
      server,
      {
        port: 0,
        host: "127.0.0.1",
        maxLineLength: 1024,
        greet: undefined,
        quiet: false,
        delimiter: "crlf",
        maxConnectionsPerPeer: 1,
        proxyProtocol: true,
      },
      createServerOutput({ json: true, quiet: false }, (s) =>
        writes.push(typeof s === "string" ? s : Buffer.from(s).toString()),
      ),
      { emit: (e) => refused.push(e) },
    );
    void server.run();
    const address = await network.runUntil(port.whenListening());
    const client = network.createReactor();
    void client.run();
    // All three come from the same memory address; only their headers tell the clients apart.
    for (const source of ["192.0.2.1", "192.0.2.1", "192.0.2.2"]) {
      class Proxied extends Protocol {
        override connectionMade(): void {
          this.transport?.write(`PROXY TCP4 ${source} 127.0.0.1 5000 9000\r\n`);
        }
      }
      client.connectTCP(
        "127.0.0.1",
        address.type === "TCP" ? address.port : 0,
        ClientFactory.forProtocol(Proxied),
      );
      network.advance(10);
    }
    network.advance(10);
    const events = writes
      .join("")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; peer?: string });
    expect(events.filter((e) => e.event === "connection").map((e) => e.peer)).toEqual([
      "192.0.2.1:5000",
      "192.0.2.2:5000",
    ]);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.message).toContain("192.0.2.1");
    void client.stop();
    void server.stop();
    await network.runUntil(Promise.resolve());
  });
});
