/**
 * End-to-end: the BUILT server (dist/main.js) as a real process on 127.0.0.1 with --port 0, fed
 * raw bytes by node:net peers. Every wait is on an output line or an exit, bounded in time.
 */
import { once } from "node:events";
import { existsSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import lineProtocolPkg from "../../../packages/line-protocol/package.json" with { type: "json" };
import reactorPkg from "../../../packages/reactor/package.json" with { type: "json" };
import pkg from "../package.json" with { type: "json" };
import { AppProcess, killAll, portOf } from "./e2e-harness.js";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the server first (pnpm build)`);
});
afterEach(killAll);

interface JsonEvent {
  event: string;
  id?: number;
  data?: string;
  reason?: string;
  code?: string;
  peer?: string;
  host?: string;
  port?: number;
  connections?: number;
  lines?: number;
  worker?: number;
}

function events(p: AppProcess): JsonEvent[] {
  return p.stdout.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as JsonEvent);
}

async function startServer(...args: string[]): Promise<{ server: AppProcess; port: number }> {
  const server = new AppProcess(MAIN, ["--port", "0", "--host", "127.0.0.1", ...args]);
  const first = await server.waitForLine(() => true);
  const port = first.startsWith("{") ? ((JSON.parse(first) as JsonEvent).port ?? 0) : portOf(first);
  return { server, port };
}

async function dial(port: number): Promise<Socket> {
  const socket = connect({ port, host: "127.0.0.1" });
  await once(socket, "connect");
  return socket;
}

function write(socket: Socket, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (e) => (e ? reject(e) : resolve())));
}

const isJson =
  (event: string, extra: (e: JsonEvent) => boolean = () => true) =>
  (line: string): boolean => {
    if (!line.startsWith("{")) return false;
    const e = JSON.parse(line) as JsonEvent;
    return e.event === event && extra(e);
  };

describe("lr-server text mode (seed-faithful)", () => {
  it("prints the listening line with the real port, each connection, line and loss, then the summary on SIGTERM", async () => {
    const { server, port } = await startServer();
    expect(server.stdout[0]).toBe(`listening on 127.0.0.1:${port}`);
    expect(port).toBeGreaterThan(0);
    const socket = await dial(port);
    await write(socket, "hello\r\nworld\r\n");
    await server.waitForLine((l) => l === "data => world");
    socket.end();
    await server.waitForLine((l) => l === "Connection lost");
    server.child.kill("SIGTERM");
    const exit = await server.waitForExit();
    expect(exit.code).toBe(0);
    expect(server.stdout).toEqual([
      `listening on 127.0.0.1:${port}`,
      "server received a connection!",
      "in lineReceived",
      "data => hello",
      "in lineReceived",
      "data => world",
      "Connection lost",
      "ConnectionDone: Connection was closed cleanly.",
      "server stopped: 1 connection, 2 lines",
    ]);
    expect(server.stderr).toEqual([]);
  });

  it("--quiet prints only the listening line and the summary", async () => {
    const { server, port } = await startServer("--quiet");
    const socket = await dial(port);
    await write(socket, "a\r\nb\r\nc\r\n");
    socket.end();
    await once(socket, "close");
    // The summary is the proof the lines were counted: wait for a graceful stop.
    server.child.kill("SIGINT");
    expect((await server.waitForExit()).code).toBe(0);
    expect(server.stdout).toEqual([
      `listening on 127.0.0.1:${port}`,
      "server stopped: 1 connection, 3 lines",
    ]);
  });
});

describe("lr-server --json", () => {
  it("reports every line exactly: UTF-8, empty lines, a 16384-byte line, odd chunkings", async () => {
    const { server, port } = await startServer("--json");
    expect(events(server)[0]).toEqual({ event: "listening", host: "127.0.0.1", port });

    const max = `${"y".repeat(16384 - 6)}€€`; // 16378 + 6 bytes = 16384 bytes
    expect(Buffer.byteLength(max)).toBe(16384);
    const lines = [
      "plain",
      "",
      "héllo wörld — ✓ 日本語 🎉",
      "",
      "",
      max,
      'tab\tand "quotes" and \\ backslash',
      ...Array.from({ length: 500 }, (_, i) => `line ${i} ${"z".repeat(i % 37)}`),
    ];
    const bytes = Buffer.from(lines.map((l) => `${l}\r\n`).join(""));
    const socket = await dial(port);
    socket.setNoDelay(true);
    // Odd chunk sizes, cutting through CRLFs and multi-byte characters.
    const sizes = [1, 2, 3, 5, 7, 11, 13, 17, 64, 1000, 4093];
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const size = sizes[i % sizes.length] ?? 1;
      await write(socket, bytes.subarray(at, at + size));
      at += size;
    }
    socket.end();
    await server.waitForLine(isJson("lost"));
    const connection = events(server).find((e) => e.event === "connection");
    expect(connection?.id).toBe(1);
    expect(connection?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    const received = events(server).filter((e) => e.event === "line");
    expect(received.map((e) => e.data)).toEqual(lines);
    expect(new Set(received.map((e) => e.id))).toEqual(new Set([1]));
    const lost = events(server).find((e) => e.event === "lost");
    expect(lost?.code).toBe("ERR_CONNECTION_DONE");

    server.child.kill("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
    expect(events(server).at(-1)).toEqual({
      event: "stopped",
      connections: 1,
      lines: lines.length,
    });
  });

  it("drops only the connection that sends an over-long line", async () => {
    const { server, port } = await startServer("--json");
    const good = await dial(port);
    const bad = await dial(port);
    await server.waitForCount(isJson("connection"), 2);
    await write(good, "before\r\n");
    await server.waitForLine(isJson("line", (e) => e.data === "before"));
    const badId = events(server).filter((e) => e.event === "connection")[1]?.id;
    const badClosed = once(bad, "close");
    bad.on("error", () => {}); // the server may reset it while we still write
    await write(bad, `${"a".repeat(16385)}\r\nnever\r\n`).catch(() => {});
    await server.waitForLine(isJson("lost", (e) => e.id === badId));
    await badClosed;
    await write(good, "after\r\n");
    await server.waitForLine(isJson("line", (e) => e.data === "after"));
    const lost = events(server).filter((e) => e.event === "lost");
    expect(lost).toHaveLength(1);
    expect(lost[0]?.code).toBe("ERR_LINE_TOO_LONG");
    expect(
      events(server)
        .filter((e) => e.event === "line")
        .map((e) => e.data),
    ).toEqual(["before", "after"]);
    good.end();
    server.child.kill("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
  });

  it("a line one byte over --max-line-length is rejected, one at the limit accepted", async () => {
    const { server, port } = await startServer("--json", "--max-line-length", "8");
    const a = await dial(port);
    await write(a, "12345678\r\n");
    await server.waitForLine(isJson("line", (e) => e.data === "12345678"));
    await write(a, "123456789\r\n").catch(() => {});
    a.on("error", () => {});
    await server.waitForLine(isJson("lost", (e) => e.code === "ERR_LINE_TOO_LONG"));
    server.child.kill("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
  });

  it("SIGTERM while clients are mid-stream loses no received line and exits 0", async () => {
    const { server, port } = await startServer("--json");
    const clients = await Promise.all([dial(port), dial(port), dial(port)]);
    const sent = new Map<Socket, number>();
    let streaming = true;
    // Each client streams numbered lines as fast as the socket takes them, until the server closes it.
    const pumps = clients.map(async (socket) => {
      socket.on("error", () => {});
      let n = 0;
      // Bounded (the test reads every event the server prints), but far more than gets through
      // before the SIGTERM lands.
      while (streaming && n < 50_000 && !socket.destroyed && socket.writable) {
        const chunk = Array.from({ length: 50 }, () => `${n++}\r\n`).join("");
        sent.set(socket, n);
        if (!socket.write(chunk)) {
          await new Promise<void>((resolve) => {
            socket.once("drain", resolve);
            socket.once("close", resolve);
          });
        }
      }
    });
    await server.waitForCount(isJson("line"), 3000, 30_000);
    server.child.kill("SIGTERM");
    const exit = await server.waitForExit(20_000);
    streaming = false;
    for (const c of clients) c.destroy();
    await Promise.all(pumps);
    expect(exit.code).toBe(0);
    const all = events(server);
    const stopped = all.at(-1);
    const lineEvents = all.filter((e) => e.event === "line");
    expect(stopped?.event).toBe("stopped");
    expect(stopped?.connections).toBe(3);
    // Every line reported is counted, and per connection they are exactly 0, 1, 2, ... in order.
    expect(stopped?.lines).toBe(lineEvents.length);
    expect(lineEvents.length).toBeGreaterThanOrEqual(3000);
    for (const id of [1, 2, 3]) {
      const data = lineEvents.filter((e) => e.id === id).map((e) => Number(e.data));
      expect(data).toEqual(Array.from({ length: data.length }, (_, i) => i));
    }
    expect(all.filter((e) => e.event === "lost")).toHaveLength(3);
  });
});

describe("lr-server errors", () => {
  it("a bad flag gives one line on stderr, no stack, exit 2", async () => {
    const p = new AppProcess(MAIN, ["--prot", "9000"]);
    const exit = await p.waitForExit();
    expect(exit.code).toBe(2);
    expect(p.stderr).toEqual(["lr-server: Unknown option '--prot' (see --help)"]);
    expect(p.stdout).toEqual([]);
  });

  it("a bad port value gives one line on stderr", async () => {
    const p = new AppProcess(MAIN, ["--port", "70000"]);
    expect((await p.waitForExit()).code).toBe(2);
    expect(p.stderr).toEqual(["lr-server: --port must be between 0 and 65535, got 70000"]);
  });

  it("a port in use gives one line on stderr, no stack, exit 1", async () => {
    const blocker = createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const p = new AppProcess(MAIN, ["--port", String(port), "--host", "127.0.0.1"]);
      const exit = await p.waitForExit();
      expect(exit.code).toBe(1);
      expect(p.stderr).toEqual([
        `lr-server: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)`,
      ]);
      expect(p.stdout).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it("--help documents every flag with its default; --version prints the version", async () => {
    const help = new AppProcess(MAIN, ["--help"]);
    expect((await help.waitForExit()).code).toBe(0);
    const text = help.stdout.join("\n");
    for (const flag of [
      "--port",
      "--host",
      "--max-line-length",
      "--json",
      "--quiet",
      "--workers",
      "--help",
      "--version",
    ]) {
      expect(text).toContain(flag);
    }
    for (const d of ["(default 9000)", "(default 127.0.0.1)", "(default 16384)"])
      expect(text).toContain(d);
    const version = new AppProcess(MAIN, ["--version"]);
    expect((await version.waitForExit()).code).toBe(0);
    // The app's real version (package.json), and the libraries it was built with.
    expect(version.stdout[0]).toBe(
      `lr-server ${pkg.version} (@lr/reactor ${reactorPkg.version}, @lr/line-protocol ${lineProtocolPkg.version}, node ${process.version})`,
    );
  });
});

describe("lr-server --workers", () => {
  it("shares one port between 2 workers, tags JSON events with the worker id, sums the totals", async () => {
    const { server, port } = await startServer("--json", "--workers", "2");
    const sockets: Socket[] = [];
    for (let i = 0; i < 8; i++) {
      const s = await dial(port);
      sockets.push(s);
      await write(s, `hello ${i}\r\n`);
    }
    await server.waitForCount(isJson("line"), 8);
    for (const s of sockets) s.end();
    await server.waitForCount(isJson("lost"), 8);
    const perLine = events(server).filter((e) => e.event === "line");
    for (const e of perLine) expect([1, 2]).toContain(e.worker);
    server.child.kill("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
    expect(events(server).at(-1)).toEqual({ event: "stopped", connections: 8, lines: 8 });
  });
});
