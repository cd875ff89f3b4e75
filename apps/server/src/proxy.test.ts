/**
 * `--proxy-protocol` (proxy.ts) without sockets: the line server behind an HAProxyWrappingFactory on a
 * StringTransport and a virtual Clock (the real HAProxy runs in tooling/haproxy).
 */
import {
  ConnectionDone,
  HAProxyWrappingFactory,
  type LogEvent,
  PROXY_V2_SIGNATURE,
  tcpAddress,
} from "@lr/reactor";
import { Clock, StringTransport } from "@lr/testing";
import { describe, expect, it } from "vitest";
import { parseServerArgs, SERVER_HELP } from "./cli.js";
import { LineServerFactory } from "./line-server.js";
import { createServerOutput } from "./output.js";
import { balancerOf, withProxyProtocol } from "./proxy.js";

const BALANCER = tcpAddress("127.0.0.1", 40123);
const SELF = tcpAddress("127.0.0.1", 9000);

function setup(json: boolean, quiet = false) {
  const writes: string[] = [];
  const logged: LogEvent[] = [];
  const lines = new LineServerFactory(
    { maxLineLength: 1024, quiet },
    createServerOutput({ json, quiet }, (s) => writes.push(s)),
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
});
