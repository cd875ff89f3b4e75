/**
 * The fault and bad-input suite against the real `lr-server` process (`--json`), on 127.0.0.1.
 * Every wait is on the server's own output or on a socket event, with a deadline.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { open, sendAll, storm } from "../client.js";
import { buildPayload, buildPayloadFrom, checkOrder, parsePrefix } from "../payload.js";
import { procFdCount, type ServerProcess } from "../proc.js";
import { events, linesById, startLr, waitForEvents } from "./lr-process.js";

const MiB = 1024 * 1024;
/** The load tests run against one process and against `--workers 2` (node:cluster). */
const WORKERS: [string, string[]][] = [
  ["1 process", []],
  ["--workers 2", ["--workers", "2"]],
];
let server: ServerProcess | null = null;
const sockets: Socket[] = [];

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  server?.kill();
  server = null;
});

/** Re-checks `cond` once per event-loop turn until it holds (bounded; for state only /proc shows). */
function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (cond()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setImmediate(check);
    };
    check();
  });
}

function target(s: ServerProcess): { host: string; port: number } {
  return { host: "127.0.0.1", port: s.port };
}

/** Sends a stream that the server may cut short; resolves with how it ended, never rejects. */
function sendDropped(
  s: ServerProcess,
  chunk: Buffer,
  total: number,
): Promise<{ sent: number; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port: s.port });
    sockets.push(socket);
    let sent = 0;
    let error: string | undefined;
    const pump = (): void => {
      while (sent < total && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) {
          socket.once("drain", pump);
          return;
        }
      }
      if (!socket.destroyed) socket.end();
    };
    socket.once("connect", pump);
    socket.on("data", () => {});
    socket.on("error", (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.once("close", () => resolve({ sent, ...(error === undefined ? {} : { error }) }));
  });
}

describe("lr-server under load and faults", () => {
  it.each(WORKERS)(
    "50 concurrent clients × 2,000 lines: exactly 100,000 lines, in order per connection (%s)",
    async (_name, extra) => {
      server = await startLr(extra);
      const CLIENTS = 50;
      const LINES = 2000;
      await Promise.all(
        Array.from({ length: CLIENTS }, (_, c) =>
          sendAll(target(server as ServerProcess), buildPayload(c, LINES, 32)),
        ),
      );
      await waitForEvents(server, "lost", CLIENTS);
      const exit = await server.stop("SIGTERM");
      expect(exit.code).toBe(0);
      const evs = events(server);
      const stopped = evs.at(-1);
      expect(stopped).toEqual({ event: "stopped", connections: CLIENTS, lines: CLIENTS * LINES });
      const byId = linesById(evs);
      expect(byId.size).toBe(CLIENTS);
      // With --workers 2 the connections are spread over both workers, each event tagged with its own.
      const workers = new Set(evs.filter((e) => e.event === "connection").map((e) => e.worker));
      expect(workers).toEqual(new Set(extra.length === 0 ? [undefined] : [1, 2]));
      const perConn = new Map<number, number>();
      for (const lines of byId.values()) {
        const seen = checkOrder(lines); // 0, 1, 2, ... per connection, no gap or duplicate
        expect(seen.size).toBe(1); // one client's lines never show up under another id
        for (const [conn, n] of seen) perConn.set(conn, n);
      }
      expect([...perConn.values()].reduce((a, b) => a + b, 0)).toBe(CLIENTS * LINES);
      expect([...perConn.values()].every((n) => n === LINES)).toBe(true);
    },
  );

  it.each(WORKERS)(
    "SIGTERM while clients are mid-stream: every line accepted is reported, exit 0 in time (%s)",
    async (_name, extra) => {
      server = await startLr(extra);
      const srv = server;
      const CLIENTS = 20;
      const CHUNK = 200;
      // Each client keeps two chunks of lines in flight: it sends chunk k+2 as soon as the server
      // reports the middle of chunk k. So clients are always mid-stream, and the output stays small
      // enough for this process to read as fast as the server writes it.
      const written = new Array<number>(CLIENTS).fill(0);
      const reported = new Array<number>(CLIENTS).fill(0);
      const clients: Socket[] = [];
      let signalled = false;
      const sendChunk = (c: number): void => {
        const s = clients[c];
        if (signalled || !s || s.destroyed) return;
        s.write(buildPayloadFrom(c, written[c] as number, CHUNK, 32));
        written[c] = (written[c] as number) + CHUNK;
      };
      srv.onLine((line) => {
        if (!line.startsWith('{"event":"line"')) return;
        const c = parsePrefix((JSON.parse(line) as { data: string }).data)?.conn ?? -1;
        reported[c] = (reported[c] as number) + 1;
        if (reported[c] === (written[c] as number) - CHUNK - CHUNK / 2) sendChunk(c);
      });
      for (let c = 0; c < CLIENTS; c++) {
        const s = await open(target(srv));
        s.on("error", () => {});
        sockets.push(s);
        clients.push(s);
        sendChunk(c);
        sendChunk(c);
      }
      // A client's connect completes in the kernel before the server accepts it: wait until the
      // server has taken every connection, or a SIGTERM could legitimately find one still queued.
      await waitForEvents(srv, "connection", CLIENTS);
      await waitForEvents(srv, "line", 20_000);
      signalled = true;
      const closed = clients.map((s) => new Promise((r) => s.once("close", r)));
      const t0 = performance.now();
      const exit = await srv.stop("SIGTERM", 12_000); // the reactor's shutdown timeout is 10 s
      const stopMs = performance.now() - t0;
      await Promise.all(closed); // the server closed every connection
      expect(exit.code).toBe(0);
      expect(stopMs).toBeLessThan(12_000);
      const evs = events(srv);
      const stopped = evs.at(-1);
      const lineEvents = evs.filter((e) => e.event === "line");
      expect(stopped?.event).toBe("stopped");
      expect(stopped?.connections).toBe(CLIENTS);
      // Accepted = reported: the summary counts exactly the lines printed, ...
      expect(stopped?.lines).toBe(lineEvents.length);
      expect(lineEvents.length).toBeGreaterThanOrEqual(20_000);
      // ... per connection they are a gap-free prefix of what that client wrote, ...
      for (const lines of linesById(evs).values()) {
        const seen = checkOrder(lines);
        expect(seen.size).toBe(1);
        for (const [conn, n] of seen) expect(n).toBeLessThanOrEqual(written[conn] ?? -1);
      }
      // ... and every connection got its "lost" report before the summary.
      expect(evs.filter((e) => e.event === "lost")).toHaveLength(CLIENTS);
    },
  );

  it("drops a 50 MB line without a delimiter and a 16,385-byte line; RSS stays bounded; others unaffected", async () => {
    server = await startLr();
    const before = server.memory().rss;
    const good = Array.from({ length: 5 }, (_, c) =>
      sendAll(target(server as ServerProcess), buildPayload(c, 2000, 32)),
    );
    const edge = `${"e".repeat(16_384)}\r\n`; // exactly the limit: accepted
    const edgeSent = sendAll(target(server), Buffer.from(edge));
    const endless = sendDropped(server, Buffer.alloc(MiB, 0x61), 50 * MiB);
    const tooLong = sendDropped(server, Buffer.from(`${"b".repeat(16_385)}\r\nafter\r\n`), 1);
    const [endlessEnd, tooLongEnd] = await Promise.all([endless, tooLong, ...good, edgeSent]);
    await waitForEvents(server, "lost", 8);
    const mem = server.memory();
    const exit = await server.stop("SIGTERM");
    expect(exit.code).toBe(0);

    const evs = events(server);
    const tooLongLost = evs.filter((e) => e.event === "lost" && e.code === "ERR_LINE_TOO_LONG");
    expect(tooLongLost).toHaveLength(2);
    expect(endlessEnd.sent).toBeLessThan(50 * MiB); // cut off long before the end
    expect(tooLongEnd.sent).toBe(16_385 + 9);
    const lines = evs.filter((e) => e.event === "line").map((e) => e.data ?? "");
    expect(lines.filter((l) => l.startsWith("b") || l === "after")).toEqual([]); // nothing of the dropped line
    expect(lines.filter((l) => l === "e".repeat(16_384))).toHaveLength(1);
    const perConn = checkOrder(lines.filter((l) => !l.startsWith("e")));
    expect([...perConn.values()]).toEqual([2000, 2000, 2000, 2000, 2000]);
    expect(evs.at(-1)).toEqual({ event: "stopped", connections: 8, lines: 5 * 2000 + 1 });
    // 50 MB went nowhere near memory: peak RSS grew by less than 40 MiB.
    expect(mem.peakRss - before).toBeLessThan(40 * MiB);
  });

  it("abrupt resets (RST) mid-line lose only the partial line; the server keeps serving", async () => {
    server = await startLr();
    const RESETS = 20;
    for (let c = 0; c < RESETS; c++) {
      const s = await open(target(server));
      sockets.push(s);
      s.write(`${c}:0 complete\r\n`);
      await waitForEvents(server, "line", c + 1);
      s.write(`${c}:1 partial, never term`);
      // Make sure the partial line is in the server before the reset, then RST.
      await new Promise<void>((r) => s.write("inated", () => r()));
      s.resetAndDestroy();
    }
    await waitForEvents(server, "lost", RESETS);
    await sendAll(target(server), buildPayload(99, 500, 32));
    await waitForEvents(server, "lost", RESETS + 1);
    const exit = await server.stop("SIGTERM");
    expect(exit.code).toBe(0);
    const evs = events(server);
    const lost = evs.filter((e) => e.event === "lost");
    // A RST right behind data may surface in Node as a plain EOF (a raw node:net server sees the
    // same 'end' without 'error'), so either reason is right; what matters is below.
    expect(
      lost
        .slice(0, RESETS)
        .every((e) => e.code === "ERR_CONNECTION_LOST" || e.code === "ERR_CONNECTION_DONE"),
    ).toBe(true);
    expect(lost[RESETS]?.code).toBe("ERR_CONNECTION_DONE");
    const lines = evs.filter((e) => e.event === "line").map((e) => e.data ?? "");
    expect(lines.filter((l) => l.includes("partial"))).toEqual([]);
    expect(lines.filter((l) => l.endsWith(" complete"))).toHaveLength(RESETS);
    expect(checkOrder(lines.filter((l) => l.startsWith("99:"))).get(99)).toBe(500);
    expect(evs.at(-1)).toEqual({ event: "stopped", connections: RESETS + 1, lines: RESETS + 500 });
  });

  it("half-open connections: a client's FIN still delivers its lines; silent clients don't block a stop", async () => {
    server = await startLr();
    const halfClosed: Promise<string>[] = [];
    for (let c = 0; c < 10; c++) {
      // Sends its lines, then half-closes and keeps reading until the server closes.
      const s = connect({ host: "127.0.0.1", port: server.port, allowHalfOpen: true });
      sockets.push(s);
      halfClosed.push(
        new Promise((resolve, reject) => {
          s.once("connect", () => s.end(buildPayload(c, 100, 32)));
          s.on("data", () => {});
          s.once("end", () => resolve("server closed its side"));
          s.once("error", reject);
        }),
      );
    }
    expect(await Promise.all(halfClosed)).toEqual(Array(10).fill("server closed its side"));
    // Ten more connect, send half a line and go silent without ever closing.
    for (let c = 0; c < 10; c++) {
      const s = await open(target(server));
      sockets.push(s);
      s.write("half a line, no end");
    }
    await waitForEvents(server, "connection", 20);
    const exit = await server.stop("SIGTERM", 12_000);
    expect(exit.code).toBe(0);
    const evs = events(server);
    expect(checkOrder(evs.filter((e) => e.event === "line").map((e) => e.data ?? "")).size).toBe(
      10,
    );
    expect(evs.filter((e) => e.event === "lost")).toHaveLength(20);
    expect(evs.at(-1)).toEqual({ event: "stopped", connections: 20, lines: 1000 });
  });

  it("a connect storm (1,000 connects and closes in a burst) is fully served and leaks no descriptor", async () => {
    server = await startLr(["--quiet"]);
    // Baseline after a small warm-up, so lazily opened descriptors (not per connection) are in it.
    await storm(target(server), 10, 10, "warm-up\r\n");
    const fdsBefore = procFdCount(server.pid);
    const r = await storm(target(server), 1000, 1000, "storm\r\n");
    expect(r).toMatchObject({ ok: 1000, failed: 0 });
    // The server closes each socket right after the client sees its FIN: wait for the fds to be back.
    await until(
      () => procFdCount((server as ServerProcess).pid) <= fdsBefore,
      "descriptors back to the baseline",
    );
    const exit = await server.stop("SIGTERM");
    expect(exit.code).toBe(0);
    expect(events(server).at(-1)).toEqual({ event: "stopped", connections: 1010, lines: 1010 });
  });
});
