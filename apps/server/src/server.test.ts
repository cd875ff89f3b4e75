/**
 * The server's logic without sockets: the protocol on a StringTransport, and runServer on memory
 * reactors in virtual time (stop requests, cannot-listen, totals).
 */
import { ClientFactory, ConnectionDone, ConnectionLost, Protocol, tcpAddress } from "@lr/reactor";
import { MemoryNetwork, StringTransport } from "@lr/testing";
import { describe, expect, it } from "vitest";
import type { ServerOptions } from "./cli.js";
import { LineServerFactory } from "./line-server.js";
import { createServerOutput } from "./output.js";
import { runServer, type ServerHost } from "./server.js";

const OPTIONS: ServerOptions = {
  port: 9000,
  host: "127.0.0.1",
  maxLineLength: 16384,
  json: false,
  quiet: false,
  workers: 1,
  greet: undefined,
};

function connect(factory: LineServerFactory) {
  const protocol = factory.buildProtocol(tcpAddress("10.0.0.1", 4242));
  const transport = new StringTransport({ peerAddress: tcpAddress("10.0.0.1", 4242) });
  protocol.makeConnection(transport);
  return { protocol, transport };
}

describe("LineServer", () => {
  it("reports each line of a read in one write, in order, and counts them", () => {
    const writes: string[] = [];
    const factory = new LineServerFactory(
      { maxLineLength: 16384 },
      createServerOutput({ json: true, quiet: false }, (s) => writes.push(s)),
    );
    const { protocol } = connect(factory);
    expect(writes).toEqual(['{"event":"connection","id":1,"peer":"10.0.0.1:4242"}\n']);
    writes.length = 0;
    protocol.dataReceived(Buffer.from("one\r\ntwo\r\n\r\nthr"));
    protocol.dataReceived(Buffer.from("ee\r\n"));
    protocol.dataReceived(Buffer.from("partial"));
    expect(writes).toEqual([
      '{"event":"line","id":1,"data":"one"}\n{"event":"line","id":1,"data":"two"}\n{"event":"line","id":1,"data":""}\n',
      '{"event":"line","id":1,"data":"three"}\n',
    ]);
    expect(factory.totals()).toEqual({ connections: 1, lines: 4 });
  });

  it("numbers connections from 1 and reports the reason of each loss", () => {
    const writes: string[] = [];
    const factory = new LineServerFactory(
      { maxLineLength: 16384 },
      createServerOutput({ json: false, quiet: false }, (s) => writes.push(s)),
    );
    const a = connect(factory);
    const b = connect(factory);
    a.protocol.connectionLost(new ConnectionDone());
    b.protocol.connectionLost(
      new ConnectionLost("Connection was lost in a non-clean fashion: read ECONNRESET"),
    );
    expect(writes.join("")).toBe(
      [
        "server received a connection!",
        "server received a connection!",
        "Connection lost",
        "ConnectionDone: Connection was closed cleanly.",
        "Connection lost",
        "ConnectionLost: Connection was lost in a non-clean fashion: read ECONNRESET",
        "",
      ].join("\n"),
    );
    expect(factory.totals()).toEqual({ connections: 2, lines: 0 });
  });

  it("drops a connection whose line is too long, and says so when it is lost", () => {
    const writes: string[] = [];
    const factory = new LineServerFactory(
      { maxLineLength: 4 },
      createServerOutput({ json: true, quiet: false }, (s) => writes.push(s)),
    );
    const { protocol, transport } = connect(factory);
    protocol.dataReceived(Buffer.from("1234\r\n12345\r\nlater\r\n"));
    expect(transport.disconnecting).toBe(true);
    protocol.connectionLost(new ConnectionDone());
    const events = writes
      .join("")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.slice(1)).toEqual([
      { event: "line", id: 1, data: "1234" },
      {
        event: "lost",
        id: 1,
        reason: "LineTooLong: a line exceeded 4 bytes",
        code: "ERR_LINE_TOO_LONG",
      },
    ]);
  });

  it("sends the greeting line on connect only when asked to", () => {
    const quiet = () => createServerOutput({ json: false, quiet: true }, () => {});
    const greeted = connect(new LineServerFactory({ maxLineLength: 10, greet: "hi ✓" }, quiet()));
    expect(greeted.transport.text()).toBe("hi ✓\r\n");
    const silent = connect(new LineServerFactory({ maxLineLength: 10 }, quiet()));
    expect(silent.transport.text()).toBe("");
  });
});

/** runServer on a memory network, with stop requests under the test's control. */
function serve(network: MemoryNetwork, options: Partial<ServerOptions> = {}) {
  const reactor = network.createReactor();
  const stdout: string[] = [];
  const stderr: string[] = [];
  let request: (count: number) => void = () => {};
  let unsubscribed = false;
  const host: ServerHost = {
    error: (line) => stderr.push(line),
    onStopRequest(handler) {
      request = handler;
      return () => {
        unsubscribed = true;
      };
    },
  };
  const done = runServer(
    reactor,
    { ...OPTIONS, ...options },
    createServerOutput({ json: false, quiet: false, ...options }, (s) => stdout.push(s)),
    host,
  );
  return {
    reactor,
    stdout,
    stderr,
    done,
    request: (n: number) => request(n),
    unsubscribed: () => unsubscribed,
  };
}

/** A client that sends some lines and keeps the connection open. */
class Sender extends Protocol {
  static lines: string[] = [];
  override connectionMade(): void {
    this.transport?.write(Sender.lines.map((l) => `${l}\r\n`).join(""));
  }
}

describe("runServer", () => {
  it("prints the listening line, and on a stop request closes connections and prints the totals", async () => {
    const network = new MemoryNetwork();
    const s = serve(network, { port: 0 });
    const client = network.createReactor();
    Sender.lines = ["a", "b"];
    const factory = ClientFactory.forProtocol(Sender);
    network.clock.callLater(10, () => client.connectTCP("localhost", 40000, factory));
    void client.run();
    network.clock.callLater(1000, () => s.request(1));
    const result = await network.runUntil(s.done);
    void client.stop();
    await network.runUntil(Promise.resolve());
    expect(result).toEqual({ exitCode: 0, totals: { connections: 1, lines: 2 } });
    expect(s.stdout.join("")).toBe(
      [
        "listening on 127.0.0.1:40000",
        "server received a connection!",
        "in lineReceived",
        "data => a",
        "in lineReceived",
        "data => b",
        "Connection lost",
        "ConnectionDone: Connection was closed cleanly.",
        "server stopped: 1 connection, 2 lines",
        "",
      ].join("\n"),
    );
    expect(s.stderr).toEqual([]);
    expect(s.unsubscribed()).toBe(true);
    expect(s.reactor.getResources()).toEqual([]);
  });

  it("a port in use gives one line of error and exit code 1, no summary", async () => {
    const network = new MemoryNetwork();
    const first = serve(network);
    const second = serve(network);
    const result = await network.runUntil(second.done);
    expect(result.exitCode).toBe(1);
    expect(second.stderr).toEqual([
      "cannot listen on 127.0.0.1:9000: address already in use (EADDRINUSE)",
    ]);
    expect(second.stdout).toEqual([]);
    first.request(1);
    expect((await network.runUntil(first.done)).exitCode).toBe(0);
  });

  it("a second stop request does not wait for the graceful stop (exit code 1)", async () => {
    const network = new MemoryNetwork();
    const s = serve(network);
    // A "before shutdown" trigger that never settles keeps the graceful stop waiting.
    s.reactor.addSystemEventTrigger("before", "shutdown", () => new Promise(() => {}));
    network.clock.callLater(10, () => s.request(1));
    network.clock.callLater(20, () => s.request(2));
    const result = await network.runUntil(s.done);
    expect(result.exitCode).toBe(1);
    expect(s.stdout.join("")).toBe("listening on 127.0.0.1:9000\n");
  });
});

describe("QuietLineServer (--quiet)", () => {
  it("counts lines without reporting them and still drops over-long lines", () => {
    const writes: string[] = [];
    const factory = new LineServerFactory(
      { maxLineLength: 4, quiet: true },
      createServerOutput({ json: false, quiet: true }, (s) => writes.push(s)),
    );
    const a = connect(factory);
    const b = connect(factory);
    a.protocol.dataReceived(Buffer.from("1\r\n22\r\n\r\n4444\r\n"));
    b.protocol.dataReceived(Buffer.from("55555\r\n"));
    expect(a.transport.disconnecting).toBe(false);
    expect(b.transport.disconnecting).toBe(true);
    expect(factory.totals()).toEqual({ connections: 2, lines: 4 });
    expect(writes).toEqual([]);
  });
});
