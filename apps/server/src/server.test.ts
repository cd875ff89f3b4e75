/**
 * The server's logic without sockets: the protocol on a StringTransport, and runServer on memory
 * reactors in virtual time (stop requests, cannot-listen, totals).
 */
import {
  ClientFactory,
  ConnectionDone,
  ConnectionLost,
  Protocol,
  type ServiceLike,
  tcpAddress,
} from "@lr/reactor";
import { Clock, MemoryNetwork, StringTransport } from "@lr/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ServerOptions } from "./cli.js";
import { LineServerFactory, type LineServerOptions } from "./line-server.js";
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
  delimiter: "crlf",
  idleTimeout: 0,
  lineTimeout: 0,
  maxConnections: 10000,
  maxConnectionsPerPeer: 0,
  shutdownTimeout: 10,
};

/** The stop signal of these tests: emitted on `process` by the test, never sent for real. */
const SIGNAL = "SIGUSR2";

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
      createServerOutput({ json: true, quiet: false }, (s) =>
        writes.push(typeof s === "string" ? s : Buffer.from(s).toString()),
      ),
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
      createServerOutput({ json: false, quiet: false }, (s) =>
        writes.push(typeof s === "string" ? s : Buffer.from(s).toString()),
      ),
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
      createServerOutput({ json: true, quiet: false }, (s) =>
        writes.push(typeof s === "string" ? s : Buffer.from(s).toString()),
      ),
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

/** runServer on a memory network; stop requests are `process.emit(SIGNAL)`. */
function serve(
  network: MemoryNetwork,
  options: Partial<ServerOptions> = {},
  host: Partial<ServerHost> = {},
) {
  const reactor = network.createReactor();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const done = runServer(
    reactor,
    { ...OPTIONS, ...options },
    createServerOutput({ json: false, quiet: false, ...options }, (s) =>
      stdout.push(typeof s === "string" ? s : Buffer.from(s).toString()),
    ),
    { error: (line) => stderr.push(line), signals: [SIGNAL], ...host },
  );
  return { reactor, stdout, stderr, done, request: () => process.emit(SIGNAL, SIGNAL) };
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
    network.clock.callLater(1000, () => s.request());
    const result = await network.runUntil(s.done);
    void client.stop();
    await network.runUntil(Promise.resolve());
    expect(result).toMatchObject({
      exitCode: 0,
      forced: false,
      totals: { connections: 1, lines: 2 },
    });
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
    expect(process.listenerCount(SIGNAL)).toBe(0);
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
    first.request();
    expect((await network.runUntil(first.done)).exitCode).toBe(0);
  });

  it("a second stop request does not wait for the graceful stop (exit code 1)", async () => {
    const network = new MemoryNetwork();
    // A service whose stop never settles keeps the graceful stop waiting.
    const stuck: ServiceLike & { running: boolean } = {
      name: "stuck",
      running: false,
      startService() {
        this.running = true;
      },
      stopService: () => new Promise<void>(() => {}),
    };
    const stopping: string[] = [];
    const s = serve(network, {}, { services: [stuck], onStopping: () => stopping.push("stop") });
    network.clock.callLater(10, () => s.request());
    network.clock.callLater(20, () => s.request());
    const result = await network.runUntil(s.done);
    expect(result).toMatchObject({ exitCode: 1, forced: true });
    expect(stopping).toEqual(["stop"]);
    expect(s.stdout.join("")).toBe("listening on 127.0.0.1:9000\n");
  });

  it("holds every printing connection while the output is congested, and releases them", async () => {
    const network = new MemoryNetwork();
    let congestion: (c: boolean) => void = () => {};
    let factory: LineServerFactory | null = null;
    const s = serve(
      network,
      { port: 0 },
      {
        onStarted: (f) => {
          factory = f;
        },
        onCongestion(listener) {
          congestion = listener;
          return () => {};
        },
      },
    );
    const client = network.createReactor();
    Sender.lines = ["a"];
    network.clock.callLater(10, () =>
      client.connectTCP("localhost", 40000, ClientFactory.forProtocol(Sender)),
    );
    void client.run();
    const paused: boolean[] = [];
    const sample = () => {
      for (const p of (factory as LineServerFactory | null)?.live ?? []) paused.push(p.paused);
    };
    network.clock.callLater(100, () => congestion(true));
    network.clock.callLater(150, sample);
    network.clock.callLater(200, () => congestion(false));
    network.clock.callLater(250, sample);
    network.clock.callLater(300, () => s.request());
    const result = await network.runUntil(s.done);
    void client.stop();
    await network.runUntil(Promise.resolve());
    expect(paused).toEqual([true, false]);
    expect(result.totals.lines).toBe(1);
  });
});

describe("LineServer limits", () => {
  function timed(options: Partial<LineServerOptions>) {
    const clock = new Clock();
    const writes: string[] = [];
    const factory = new LineServerFactory(
      { maxLineLength: 100, clock, ...options },
      createServerOutput({ json: true, quiet: false }, (s) =>
        writes.push(typeof s === "string" ? s : Buffer.from(s).toString()),
      ),
    );
    const c = connect(factory);
    return { clock, factory, writes, ...c };
  }

  it("--idle-timeout closes a silent connection, activity restarts the countdown", () => {
    const t = timed({ idleTimeoutMs: 1000 });
    t.clock.advance(900);
    t.protocol.dataReceived(Buffer.from("x\r\n"));
    t.clock.advance(900);
    expect(t.transport.disconnecting).toBe(false);
    t.clock.advance(100);
    expect(t.transport.disconnecting).toBe(true);
    t.protocol.connectionLost(new ConnectionDone());
    expect(t.writes.at(-1)).toContain('"code":"ERR_IDLE_TIMEOUT"');
    expect(t.factory.closed["idle-timeout"]).toBe(1);
  });

  it("--line-timeout closes a connection whose line trickles in, even while bytes keep coming", () => {
    const t = timed({ idleTimeoutMs: 1000, lineTimeoutMs: 3000 });
    for (let i = 0; i < 2; i++) {
      t.protocol.dataReceived(Buffer.from("a"));
      t.clock.advance(900);
    }
    t.protocol.dataReceived(Buffer.from("\r\nb")); // the first line completes: a new one starts
    for (let i = 0; i < 3; i++) {
      expect(t.transport.disconnecting).toBe(false);
      t.clock.advance(900);
      t.protocol.dataReceived(Buffer.from("b"));
    }
    t.clock.advance(300);
    expect(t.transport.disconnecting).toBe(true);
    t.protocol.connectionLost(new ConnectionDone());
    expect(t.writes.at(-1)).toContain('"code":"ERR_LINE_TIMEOUT"');
    expect(t.factory.closed["line-timeout"]).toBe(1);
  });

  it("no timeout runs while the connection is held for back-pressure", () => {
    const t = timed({ idleTimeoutMs: 1000, lineTimeoutMs: 1000 });
    t.protocol.dataReceived(Buffer.from("part"));
    t.factory.setHeld(true);
    t.clock.advance(5000);
    expect(t.transport.disconnecting).toBe(false);
    t.factory.setHeld(false);
    t.clock.advance(1000);
    expect(t.transport.disconnecting).toBe(true);
  });

  it("--delimiter lf takes LF lines and drops a CR before the LF", () => {
    const t = timed({ delimiter: "lf" });
    t.protocol.dataReceived(Buffer.from("one\ntwo\r\n"));
    const lines = t.writes
      .join("")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { data?: string })
      .filter((e) => e.data !== undefined)
      .map((e) => e.data);
    expect(lines).toEqual(["one", "two"]);
  });

  it("text mode escapes control bytes, CR/LF inside a line and invalid UTF-8", () => {
    const writes: string[] = [];
    const factory = new LineServerFactory(
      { maxLineLength: 100 },
      createServerOutput({ json: false, quiet: false }, (s) =>
        writes.push(typeof s === "string" ? s : Buffer.from(s).toString()),
      ),
    );
    const { protocol } = connect(factory);
    protocol.dataReceived(Buffer.from("\x1b]0;x\x07a\nserver stopped: 9 lines\xff\r\n", "latin1"));
    expect(writes.at(-1)).toBe(
      "in lineReceived\ndata => \\x1b]0;x\\x07a\\nserver stopped: 9 lines\\xff\n",
    );
  });
});

describe("QuietLineServer (--quiet)", () => {
  it("counts lines without reporting them and still drops over-long lines", () => {
    const writes: string[] = [];
    const factory = new LineServerFactory(
      { maxLineLength: 4, quiet: true },
      createServerOutput({ json: false, quiet: true }, (s) =>
        writes.push(typeof s === "string" ? s : Buffer.from(s).toString()),
      ),
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

describe("LineServer, lines longer than LONG_LINE (raw mode, printed piece by piece)", () => {
  const big = (n: number, seed: number) =>
    Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251));

  function feed(options: Partial<LineServerOptions>, json: boolean, chunks: Buffer[]) {
    const writes: string[] = [];
    const factory = new LineServerFactory(
      { maxLineLength: 1 << 20, ...options },
      createServerOutput({ json, quiet: false }, (s) =>
        writes.push(typeof s === "string" ? s : Buffer.from(s).toString("latin1")),
      ),
    );
    const { protocol, transport } = connect(factory);
    for (const c of chunks) protocol.dataReceived(c);
    return { out: writes.join(""), factory, transport };
  }

  it("any chunking: the same output as for short lines, in order, lines counted", () => {
    const lines = [big(100, 1), big(140_000, 2), Buffer.from("short"), big(65_536, 4)];
    const payload = Buffer.concat(lines.flatMap((l) => [l, Buffer.from("\r\n")]));
    const expected = (json: boolean) => {
      let text = "";
      const o = createServerOutput({ json, quiet: false }, (s) => {
        text += typeof s === "string" ? s : Buffer.from(s).toString("latin1");
      });
      o.connection(1, "10.0.0.1:4242");
      for (const l of lines) o.line(1, l);
      o.flush();
      return text;
    };
    const want = [expected(false), expected(true)];
    fc.assert(
      fc.property(
        fc.array(fc.nat(payload.length), { maxLength: 12 }),
        fc.boolean(),
        (cuts, json) => {
          const points = [...new Set(cuts)].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let from = 0;
          for (const p of [...points, payload.length]) {
            chunks.push(payload.subarray(from, p));
            from = p;
          }
          const { out, factory, transport } = feed({}, json, chunks);
          expect(out).toBe(want[json ? 1 : 0]);
          expect(factory.lines).toBe(lines.length);
          expect(transport.disconnecting).toBe(false);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("a long line over --max-line-length drops the connection, however it arrives", () => {
    const line = Buffer.alloc(300_000, 0x61);
    for (const size of [1000, 65_536, 300_002]) {
      const chunks: Buffer[] = [];
      const payload = Buffer.concat([line, Buffer.from("\r\n")]);
      for (let i = 0; i < payload.length; i += size) chunks.push(payload.subarray(i, i + size));
      const { factory, transport } = feed({ maxLineLength: 299_999 }, true, chunks);
      expect(transport.disconnecting).toBe(true);
      expect(factory.lines).toBe(0);
      expect(feed({ maxLineLength: 300_000 }, true, chunks).factory.lines).toBe(1);
    }
  });

  it("while stdout is congested the record waits, whole, and the connection stays paused", () => {
    const writes: string[] = [];
    const factory = new LineServerFactory(
      { maxLineLength: 1 << 20 },
      createServerOutput({ json: false, quiet: false }, (s) =>
        writes.push(typeof s === "string" ? s : Buffer.from(s).toString("latin1")),
      ),
    );
    const { protocol } = connect(factory);
    writes.length = 0;
    factory.setHeld(true);
    factory.setHeld(false);
    protocol.dataReceived(
      Buffer.concat([Buffer.alloc(100_000, 0x62), Buffer.from("\r\nnext\r\n")]),
    );
    const text = writes.join("");
    expect(text).toBe(
      `in lineReceived\ndata => ${"b".repeat(100_000)}\nin lineReceived\ndata => next\n`,
    );
    expect(factory.lines).toBe(2);
  });
});

describe("QuietLineServer, long lines", () => {
  it("counts lines past LONG_LINE without keeping them, and still drops over-long ones", () => {
    const factory = new LineServerFactory(
      { maxLineLength: 200_000, quiet: true },
      createServerOutput({ json: false, quiet: true }, () => {}),
    );
    const a = connect(factory);
    a.protocol.dataReceived(Buffer.concat([Buffer.alloc(150_000, 1), Buffer.from("\r")]));
    a.protocol.dataReceived(Buffer.from("\nx\r\n"));
    expect(factory.lines).toBe(2);
    const b = connect(factory);
    b.protocol.dataReceived(Buffer.alloc(200_001, 1));
    expect(b.transport.disconnecting).toBe(true);
    expect(factory.closed["line-too-long"]).toBe(1);
  });
});
