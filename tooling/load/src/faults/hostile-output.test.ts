/**
 * Issue 14, points 1, 2 and 6 against the built lr-server on 127.0.0.1: a peer's bytes cannot drive
 * the operator's terminal; stdout that nobody reads pushes back on the senders (bounded memory, and
 * every line printed once, in order, once a reader appears); a huge line costs its size once.
 * Every wait is on the server's output, a socket event or /proc, with a deadline.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { sendAll } from "../client.js";
import { buildPayload, parsePrefix } from "../payload.js";
import { procChildren, procMemory, type ServerProcess, untilIdle } from "../proc.js";
import { startLr, startLrText, waitForEvents } from "./lr-process.js";

const MiB = 1024 * 1024;
let server: ServerProcess | null = null;
const sockets: Socket[] = [];

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  server?.kill();
  server = null;
});

/** RSS of the process and of each of its children (cluster workers), bytes, by pid. */
function treeRss(pid: number): Map<number, number> {
  const out = new Map<number, number>([[pid, procMemory(pid).rss]]);
  for (const child of procChildren(pid)) {
    try {
      out.set(child, procMemory(child).rss);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The data of a JSON `line` event, or null (other events, or a line cut by a kill). */
function lineData(line: string): string | null {
  if (!line.startsWith('{"event":"line"')) return null;
  try {
    return (JSON.parse(line) as { data: string }).data;
  } catch {
    return null;
  }
}

/** Writes `payload` on a new connection and resolves once it is connected (the rest streams). */
function stream(port: number, payload: Buffer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port }, () => {
      s.write(payload);
      s.end();
      resolve(s);
    });
    s.on("error", reject);
    s.on("data", () => {});
    sockets.push(s);
  });
}

describe("safe text output (issue 14.1)", () => {
  const HOSTILE = Buffer.concat([
    Buffer.from("\x1b[2J\x1b]0;owned\x07\x1b]52;c;aGVsbG8=\x07", "latin1"),
    Buffer.from("a\nserver stopped: 999 connections, 999 lines\rX", "latin1"),
    Buffer.from("\u009b31m\u202eevil", "utf8"),
    Buffer.from([0x7f, 0x00, 0xff, 0xc0, 0xaf, 0x5c]),
  ]);

  it("text mode prints a peer's controls, ESC, C1, DEL, CR/LF and invalid UTF-8 as visible escapes", async () => {
    server = await startLrText();
    await sendAll(
      { host: "127.0.0.1", port: server.port },
      Buffer.concat([HOSTILE, Buffer.from("\r\n")]),
    );
    await server.waitForLine((l) => l.startsWith("ConnectionDone"));
    expect((await server.stop("SIGTERM")).code).toBe(0);
    const data = server.lines.filter((l) => l.startsWith("data => "));
    expect(data).toEqual([
      "data => \\x1b[2J\\x1b]0;owned\\x07\\x1b]52;c;aGVsbG8=\\x07a\\nserver stopped: 999 connections, 999 lines\\rX\\xc2\\x9b31m\\u202eevil\\x7f\\x00\\xff\\xc0\\xaf\\\\",
    ]);
    // No forged line, and nothing a terminal would act on anywhere in the output.
    expect(server.lines.filter((l) => l.startsWith("server stopped")).length).toBe(1);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for controls is the point.
    for (const line of server.lines) expect(line).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });

  it("--json stays byte-exact: the line's UTF-8 text, JSON-escaped", async () => {
    server = await startLr();
    await sendAll(
      { host: "127.0.0.1", port: server.port },
      Buffer.concat([HOSTILE, Buffer.from("\r\n")]),
    );
    await waitForEvents(server, "lost", 1);
    await server.stop("SIGTERM");
    const line = server.lines.map((l) => JSON.parse(l) as { event: string; data?: string });
    expect(line.find((e) => e.event === "line")?.data).toBe(HOSTILE.toString("utf8"));
  });
});

/**
 * Back-pressure: CLIENTS × LINES lines, stdout unread. The server must stop reading (its CPU goes
 * idle) with memory bounded, then print every line once, in order, when a reader appears.
 */
describe("stdout unread: back-pressure to the senders (issue 14.2)", () => {
  const CLIENTS = 10;
  const LINES = 100_000;
  const SIZE = 24;

  it.each([
    ["1 process", [] as string[]],
    ["--workers 2", ["--workers", "2"]],
  ])(
    "1,000,000 lines with stdout unread: RSS grows < 32 MiB; then every line once, in order (%s)",
    async (_name, extra) => {
      server = await startLr(extra, undefined, { keepLines: false, pauseStdout: true });
      const srv = server;
      const before = treeRss(srv.pid);
      const next = new Array<number>(CLIENTS).fill(0);
      let printed = 0;
      let disorder = "";
      srv.onLine((line) => {
        const data = lineData(line);
        const p = data === null ? null : parsePrefix(data);
        if (!p) return;
        if (p.index !== next[p.conn] && disorder === "")
          disorder = `connection ${p.conn}: line ${p.index} after ${next[p.conn]}`;
        next[p.conn] = p.index + 1;
        printed++;
      });
      for (let c = 0; c < CLIENTS; c++) await stream(srv.port, buildPayload(c, LINES, SIZE));
      // Every process of the server stops working: it is waiting for stdout, not reading sockets.
      for (const pid of [srv.pid, ...procChildren(srv.pid)]) await untilIdle(pid, 400, 30_000);
      const after = treeRss(srv.pid);
      const growth = [...after].map(([pid, rss]) => rss - (before.get(pid) ?? rss));
      console.log(
        `[hostile] stdout unread (${_name}): RSS growth per process ${growth.map((g) => (g / MiB).toFixed(1)).join(" + ")} MiB, ${printed} lines printed before a reader came`,
      );
      // Each process of the server stays within the bound (the primary and every worker).
      for (const g of growth) expect(g).toBeLessThan(32 * MiB);
      expect(printed).toBeLessThan(CLIENTS * LINES);
      srv.resumeStdout();
      await waitForEvents(srv, "lost", CLIENTS, 60_000);
      expect((await srv.stop("SIGTERM")).code).toBe(0);
      expect(disorder).toBe("");
      expect(printed).toBe(CLIENTS * LINES);
      expect(next).toEqual(new Array(CLIENTS).fill(LINES));
    },
    120_000,
  );

  it("a slow reader: peak RSS stays within 32 MiB of a fast reader's, and nothing is lost", async () => {
    const peakGrowth = async (slow: boolean): Promise<number> => {
      server = await startLr([], undefined, { keepLines: false, pauseStdout: slow });
      const srv = server;
      const before = srv.memory().rss;
      let printed = 0;
      srv.onLine((line) => {
        if (line.startsWith('{"event":"line"')) printed++;
      });
      for (let c = 0; c < 4; c++) await stream(srv.port, buildPayload(c, 50_000, SIZE));
      // The slow reader takes a little every 5 ms: far slower than the senders.
      const pace = slow
        ? setInterval(() => {
            srv.resumeStdout();
            setImmediate(() => srv.pauseStdout());
          }, 5)
        : undefined;
      try {
        await waitForEvents(srv, "lost", 4, 60_000);
      } finally {
        clearInterval(pace);
        srv.resumeStdout();
      }
      const peak = srv.memory().peakRss - before;
      await srv.stop("SIGTERM");
      expect(printed).toBe(200_000);
      return peak;
    };
    const fast = await peakGrowth(false);
    const slow = await peakGrowth(true);
    console.log(
      `[hostile] 200,000 lines: peak RSS growth ${(fast / MiB).toFixed(1)} MiB with a fast reader, ${(slow / MiB).toFixed(1)} MiB with a slow one`,
    );
    expect(slow - fast).toBeLessThan(32 * MiB);
  }, 120_000);
});

describe("memory for huge lines (issue 14.6)", () => {
  it.each([
    ["text", [] as string[]],
    ["--json", ["--json"]],
  ])(
    "a 48 MiB line peaks at most 1.5x its size in RSS (%s)",
    async (_name, extra) => {
      const SIZE = 48 * MiB;
      server =
        extra.length === 0
          ? await startLrText(["--max-line-length", String(64 * MiB)], { keepLines: false })
          : await startLr(["--max-line-length", String(64 * MiB)], undefined, { keepLines: false });
      const srv = server;
      const before = srv.memory().rss;
      let seen = 0;
      srv.onLine((line) => {
        if (line.length >= SIZE) seen++;
      });
      await sendAll(
        { host: "127.0.0.1", port: srv.port },
        Buffer.concat([Buffer.alloc(SIZE, 0x61), Buffer.from("\r\nend\r\n")]),
      );
      await srv.waitForLine((l) => l.includes("ConnectionDone"), 60_000);
      const peak = srv.memory().peakRss - before;
      console.log(
        `[hostile] 48 MiB line (${_name}): peak RSS growth ${(peak / MiB).toFixed(1)} MiB = ${(peak / SIZE).toFixed(2)}x`,
      );
      expect(seen).toBe(1);
      expect(peak).toBeLessThan(1.5 * SIZE);
      expect((await srv.stop("SIGTERM")).code).toBe(0);
    },
    60_000,
  );
});
