/**
 * Issue 14, points 3 and 4 against the built lr-server on 127.0.0.1: stopping always works (every
 * stop signal, a bounded stop with stdout blocked, a second signal), and --workers survive (a
 * signal during start-up, a worker killed with SIGKILL under load, workers that keep dying, whole
 * output lines of any size, EPIPE on stdout). Every wait is on output, an exit, a socket event or
 * /proc, with a deadline; every process is stopped by its pid.
 */
import { spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { open, sendAll } from "../client.js";
import { buildPayload, buildPayloadFrom, checkOrder } from "../payload.js";
import { procChildren, procSignalPending, type ServerProcess, untilIdle } from "../proc.js";
import { events, LR_SERVER, linesById, startLr, waitForEvents } from "./lr-process.js";

let server: ServerProcess | null = null;
const sockets: Socket[] = [];

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  if (server) for (const pid of procChildren(server.pid)) killQuietly(pid);
  server?.kill();
  server = null;
});

function killQuietly(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Re-checks `cond` every 10 ms until it holds (bounded). */
function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (cond()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() > deadline) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 10);
  });
}

/** Fills the server's stdout: clients send lines while nobody reads, until the server goes idle. */
async function blockStdout(srv: ServerProcess): Promise<void> {
  for (let c = 0; c < 4; c++) {
    const s = await open({ host: "127.0.0.1", port: srv.port });
    s.on("error", () => {});
    sockets.push(s);
    s.write(buildPayload(c, 50_000, 24));
  }
  for (const pid of [srv.pid, ...procChildren(srv.pid)]) await untilIdle(pid, 300, 30_000);
}

const WORKERS: [string, string[]][] = [
  ["1 process", []],
  ["--workers 2", ["--workers", "2"]],
];

describe("stopping always works (issue 14.3)", () => {
  it.each(["SIGTERM", "SIGINT", "SIGHUP"] as const)(
    "%s stops gracefully: every connection closed, the summary, exit 0",
    async (signal) => {
      server = await startLr();
      await sendAll({ host: "127.0.0.1", port: server.port }, buildPayload(0, 10, 16));
      await waitForEvents(server, "lost", 1);
      const exit = await server.stop(signal);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(events(server).at(-1)).toEqual({ event: "stopped", connections: 1, lines: 10 });
    },
  );

  it.each(WORKERS)(
    "--shutdown-timeout bounds the stop with stdout blocked: output dropped with one stderr line, exit 1 (%s)",
    async (_name, extra) => {
      server = await startLr(["--shutdown-timeout", "1", ...extra], undefined, {
        keepLines: false,
        pauseStdout: true,
      });
      await blockStdout(server);
      const t0 = performance.now();
      const exit = await server.stop("SIGTERM", 10_000);
      const ms = performance.now() - t0;
      console.log(`[hostile] stop with stdout blocked (${_name}): exit after ${ms.toFixed(0)} ms`);
      expect(exit).toEqual({ code: 1, signal: null });
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(ms).toBeLessThan(4000);
      const dropped = server.stderr.filter((l) => l.includes("dropped"));
      expect(dropped).toHaveLength(1);
      expect(dropped[0]).toMatch(
        /--shutdown-timeout 1 s: dropped [\d.]+ (MiB|KiB|bytes?) of output/,
      );
    },
    60_000,
  );

  it.each(WORKERS)(
    "a second signal exits at once with status 1, never by the signal (%s)",
    async (_name, extra) => {
      server = await startLr(extra, undefined, { keepLines: false, pauseStdout: true });
      await blockStdout(server);
      server.child.kill("SIGTERM");
      // The first stop is stuck behind stdout (default --shutdown-timeout 10): the second one ends it.
      // Two SIGTERMs sent while the first is still pending merge into one: wait until the kernel
      // has delivered the first (the process may not have been scheduled yet on a loaded machine).
      const pid = server.pid;
      await until(() => !procSignalPending(pid, "SIGTERM"), "the first signal to land", 5000);
      expect(server.child.exitCode).toBeNull();
      const t0 = performance.now();
      const exit = await server.stop("SIGTERM", 10_000);
      const ms = performance.now() - t0;
      console.log(`[hostile] second signal (${_name}): exit after ${ms.toFixed(0)} ms`);
      expect(exit).toEqual({ code: 1, signal: null });
      expect(ms).toBeLessThan(3000);
    },
    60_000,
  );
});

describe("--workers survive (issue 14.4)", () => {
  it("a SIGTERM during start-up, while workers are forked, is honoured: exit 0, nothing left", async () => {
    const child = spawn(
      process.execPath,
      [LR_SERVER, "--port", "0", "--host", "127.0.0.1", "--json", "--workers", "2"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const pid = child.pid as number;
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += String(d);
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    try {
      // The primary is up and has forked its workers, which are still starting.
      await until(() => procChildren(pid).length === 2, "two workers forked");
      const workers = procChildren(pid);
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const exit = await exited;
      clearTimeout(timer);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(out).toContain('"event":"stopped"');
      for (const w of workers) expect(() => process.kill(w, 0)).toThrow();
    } finally {
      killQuietly(pid);
    }
  }, 30_000);

  it("a worker killed with SIGKILL under load: the other's connections go on, it is replaced, the summary counts its lines", async () => {
    server = await startLr(["--workers", "2"]);
    const srv = server;
    // Connections until both workers hold one.
    const conns: Socket[] = [];
    const byWorker = new Map<number, number>();
    for (let c = 0; byWorker.size < 2 && c < 40; c++) {
      const s = await open({ host: "127.0.0.1", port: srv.port });
      s.on("error", () => {});
      sockets.push(s);
      conns.push(s);
      s.write(buildPayload(c, 500, 32));
      await waitForEvents(srv, "connection", c + 1);
      const ev = events(srv).filter((e) => e.event === "connection");
      const w = ev.at(-1)?.worker as number;
      if (!byWorker.has(w)) byWorker.set(w, c);
    }
    expect(byWorker.size).toBe(2);
    await until(
      () => events(srv).filter((e) => e.event === "line").length === conns.length * 500,
      "every line printed",
    );
    // Kill one worker (the OOM killer's signal).
    const [victim] = procChildren(srv.pid);
    expect(victim).toBeDefined();
    process.kill(victim as number, "SIGKILL");
    await until(
      () => srv.stderr.some((l) => /worker \d+ died \(signal SIGKILL\)/.test(l)),
      "the death report",
    );
    const dead = Number(
      /worker (\d+) died/.exec(srv.stderr.find((l) => l.includes("died")) ?? "")?.[1],
    );
    const survivor = [...byWorker.keys()].find((w) => w !== dead) as number;
    const printedBefore = events(srv).filter((e) => e.event === "line").length;
    // The survivor's connection is still served: more lines on it arrive.
    const conn = conns[byWorker.get(survivor) as number] as Socket;
    const connIndex = byWorker.get(survivor) as number;
    conn.write(buildPayloadFrom(connIndex, 500, 500, 32));
    await until(
      () => events(srv).filter((e) => e.event === "line").length === printedBefore + 500,
      "the survivor's new lines",
    );
    // A replacement worker serves new connections.
    await until(() => procChildren(srv.pid).length === 2, "a replacement worker", 15_000);
    await until(
      () => srv.stderr.some((l) => l.includes("a new one starts in")),
      "the replacement report",
    );
    for (let c = 100; c < 110; c++)
      await sendAll({ host: "127.0.0.1", port: srv.port }, buildPayload(c, 100, 32));
    await until(
      () => events(srv).filter((e) => e.event === "line").length === printedBefore + 500 + 1000,
      "new connections served",
    );
    for (const s of conns) s.end();
    const exit = await srv.stop("SIGTERM");
    expect(exit.code).toBe(0);
    const evs = events(srv);
    const printed = evs.filter((e) => e.event === "line").length;
    const stopped = evs.at(-1);
    console.log(
      `[hostile] worker killed: ${printed} lines printed, summary counts ${stopped?.lines} (the dead worker's included)`,
    );
    expect(stopped?.event).toBe("stopped");
    expect(stopped?.lines).toBe(printed);
    for (const lines of linesById(evs).values()) checkOrder(lines);
  }, 60_000);

  it("5 worker deaths within 60 s stop the primary with exit 1 and the reason", async () => {
    server = await startLr(["--workers", "2"]);
    const srv = server;
    for (let death = 1; death <= 5; death++) {
      await until(
        () => procChildren(srv.pid).length === 2 || srv.child.exitCode !== null,
        "two workers",
      );
      if (srv.child.exitCode !== null) break;
      const [victim] = procChildren(srv.pid);
      process.kill(victim as number, "SIGKILL");
      await until(
        () => srv.stderr.filter((l) => l.includes("died")).length >= death,
        `death report ${death}`,
      );
    }
    const exit = await srv.stop("SIGTERM", 15_000);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(srv.stderr.some((l) => /5 worker deaths within 60 s, stopping/.test(l))).toBe(true);
  }, 60_000);

  it("output stays whole lines at any size: 10-64 KiB and 100-200 KiB lines from 20 clients on 2 workers", async () => {
    server = await startLr(["--workers", "2", "--max-line-length", String(256 * 1024)], undefined, {
      keepLines: true,
    });
    const srv = server;
    const sizes: number[] = [];
    const payloads = Array.from({ length: 20 }, (_, c) => {
      const lines: Buffer[] = [];
      for (let i = 0; i < 12; i++) {
        const size =
          i === 5 ? 100_000 + ((c * 7919) % 100_000) : 10_240 + ((c * 131 + i * 977) % 55_296);
        sizes.push(size);
        const line = Buffer.alloc(size, 0x61 + (c % 26));
        line.write(`${c}:${i}:`, 0, "latin1");
        lines.push(line, Buffer.from("\r\n"));
      }
      return Buffer.concat(lines);
    });
    await Promise.all(payloads.map((p) => sendAll({ host: "127.0.0.1", port: srv.port }, p)));
    await waitForEvents(srv, "lost", 20, 60_000);
    expect((await srv.stop("SIGTERM")).code).toBe(0);
    const invalid: string[] = [];
    const got: number[] = [];
    for (const l of srv.lines) {
      try {
        const e = JSON.parse(l) as { event: string; data?: string };
        if (e.event === "line") got.push((e.data as string).length);
      } catch {
        invalid.push(l);
      }
    }
    // A bad line is shown by its length, start and end (a cut or a join shows there).
    const show = (l: string): string =>
      `${l.length} chars: ${JSON.stringify(l.slice(0, 120))} ... ${JSON.stringify(l.slice(-120))}`;
    expect(invalid.map(show)).toEqual([]);
    expect(got.sort((a, b) => a - b)).toEqual(sizes.sort((a, b) => a - b));
  }, 60_000);

  it.each(WORKERS)(
    "EPIPE on stdout (| head -1): output stops, serving goes on (%s)",
    async (_name, extra) => {
      server = await startLr(["--greet", "hi", ...extra]);
      const srv = server;
      srv.closeStdout();
      // Connections are still accepted, greeted and read after stdout went away.
      for (let c = 0; c < 20; c++) {
        const greeting = await new Promise<string>((resolve, reject) => {
          const s = connect({ host: "127.0.0.1", port: srv.port });
          let text = "";
          s.on("data", (d) => {
            text += String(d);
          });
          s.once("connect", () => s.end(buildPayload(c, 200, 32)));
          s.once("error", reject);
          s.once("close", (hadError) => (hadError ? reject(new Error("reset")) : resolve(text)));
        });
        expect(greeting).toBe("hi\r\n");
      }
      const exit = await srv.stop("SIGTERM");
      expect(exit).toEqual({ code: 0, signal: null });
      expect(srv.stderr.filter((l) => /EPIPE|Error/.test(l))).toEqual([]);
    },
    60_000,
  );
});
