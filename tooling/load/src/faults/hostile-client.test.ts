/**
 * Issue 14 for the built lr-client on 127.0.0.1: what a server sends cannot drive the terminal;
 * stdout that nobody reads pushes back on the server (bounded memory, every line printed once, in
 * order, once a reader appears); `--connect-timeout` bounds a connection attempt. The servers are
 * in this process (node:net), or a Python listener that never accepts; every process is stopped by
 * its pid and every wait is bounded.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { buildPayload, checkOrder } from "../payload.js";
import { procMemory, ServerProcess, untilIdle } from "../proc.js";
import { LR_CLIENT } from "./lr-process.js";

const MiB = 1024 * 1024;
const children: ChildProcess[] = [];
const servers: Server[] = [];
const peers: Socket[] = [];

afterEach(async () => {
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const p of peers.splice(0)) p.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(() => r(null)))));
});

/** A server on 127.0.0.1 that hands each connection to `onConnection`. */
async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    peers.push(socket);
    socket.on("error", () => {});
    onConnection(socket);
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Starts lr-client against `port` (one try, no job, a long linger unless told otherwise). */
function client(port: number, extra: readonly string[] = []): ServerProcess {
  const child = spawn(
    process.execPath,
    [
      LR_CLIENT,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--tries",
      "1",
      "--work",
      "0",
      ...extra,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TERM: "dumb" } },
  );
  children.push(child);
  return new ServerProcess(child, true);
}

describe("lr-client under a hostile server", () => {
  it("prints a server's controls, ESC, C1, DEL, CR/LF and invalid UTF-8 as visible escapes", async () => {
    const port = await listen((s) =>
      s.end(
        Buffer.concat([
          Buffer.from("\x1b]52;c;aGk=\x07\x1b[2Jx\ntries 0\rY\u009b", "latin1"),
          Buffer.from([0xff, 0x7f]),
          Buffer.from("\r\n"),
        ]),
      ),
    );
    const c = client(port, ["--linger", "0"]);
    const exit = await c.exited;
    await c.waitForLine((l) => l.startsWith("tries"));
    expect(exit.code).toBe(1); // the server closed before the message went out
    expect(c.lines.filter((l) => l.startsWith("Received data"))).toEqual([
      "Received data: \\x1b]52;c;aGk=\\x07\\x1b[2Jx\\ntries 0\\rY\\x9b\\xff\\x7f",
    ]);
    expect(c.lines.filter((l) => l.startsWith("tries")).length).toBe(1);
  });

  it("1,000,000 lines with stdout unread: RSS grows < 32 MiB; then every line once, in order", async () => {
    const LINES = 1_000_000;
    const payload = buildPayload(0, LINES, 24);
    let flooded: Socket | null = null;
    let before = 0;
    const c0: { pid: number | null } = { pid: null };
    // The flood starts once the client has sent its message: its job thread is up by then, so
    // the baseline holds everything but what the flood costs.
    const port = await listen((s) => {
      s.on("data", (d) => {
        if (flooded || !String(d).includes("finished") || c0.pid === null) return;
        before = procMemory(c0.pid).rss;
        flooded = s;
        s.end(payload);
      });
    });
    const c = client(port, ["--linger", "60"]);
    c0.pid = c.pid;
    c.pauseStdout();
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (flooded) {
          clearInterval(t);
          resolve();
        } else if (c.child.exitCode !== null) {
          clearInterval(t);
          reject(new Error("lr-client exited"));
        }
      }, 5);
    });
    await untilIdle(c.pid, 400, 30_000);
    const growth = procMemory(c.pid).rss - before;
    const pending = (flooded as Socket | null)?.writableLength ?? 0;
    console.log(
      `[hostile] lr-client, stdout unread: RSS growth ${(growth / MiB).toFixed(1)} MiB, ${(pending / MiB).toFixed(1)} MiB still waiting in the server`,
    );
    expect(growth).toBeLessThan(32 * MiB);
    expect(pending).toBeGreaterThan(0); // pushed back: the server could not hand it all over
    let received = 0;
    const data: string[] = [];
    c.onLine((l) => {
      if (l.startsWith("Received data: ")) {
        received++;
        data.push(l.slice(15));
      }
    });
    c.resumeStdout();
    await c.waitForCount((l) => l === "Connection lost", 1, 60_000);
    expect(received).toBe(LINES);
    expect(checkOrder(data).get(0)).toBe(LINES);
    const exit = await c.stop("SIGTERM");
    expect(exit).toEqual({ code: 130, signal: null });
  }, 120_000);

  it("--connect-timeout bounds a connection attempt that never completes", async () => {
    // A listener that never accepts, its queue already full: the SYN is not answered.
    const py = spawn(
      "/usr/bin/python3",
      [
        "-c",
        "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()",
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    children.push(py);
    const [first] = (await once(
      createInterface({ input: py.stdout as NodeJS.ReadableStream }),
      "line",
    )) as [string];
    const port = Number(first);
    // Fill the accept queue.
    const { connect } = await import("node:net");
    for (let i = 0; i < 3; i++) {
      const s = connect({ host: "127.0.0.1", port });
      s.on("error", () => {});
      peers.push(s);
    }
    const t0 = performance.now();
    const c = client(port, ["--connect-timeout", "0.5", "--linger", "0", "--json"]);
    const exit = await c.exited;
    const ms = performance.now() - t0;
    await c.waitForLine((l) => l.includes('"done"'));
    const failed = c.lines
      .map((l) => JSON.parse(l) as { event: string; code?: string })
      .find((e) => e.event === "connect-failed");
    console.log(
      `[hostile] --connect-timeout 0.5: failed after ${ms.toFixed(0)} ms with ${failed?.code}`,
    );
    expect(failed?.code).toBe("ERR_CONNECT_TIMEOUT");
    expect(exit.code).toBe(1);
    expect(ms).toBeLessThan(5000);
    py.stdin?.end();
  }, 30_000);
});
