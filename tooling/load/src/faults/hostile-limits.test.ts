/**
 * Issue 14, point 5 against the built lr-server on 127.0.0.1: the idle and line timeouts, the
 * connection limits (total and per peer: peers are 127.0.0.2, 127.0.0.3...), running out of
 * descriptors, and the warning for a non-loopback address. Every wait is bounded; every process is
 * stopped by its pid.
 */

import { spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { procCpuTicks, type ServerProcess, untilIdle } from "../proc.js";
import { events, LR_SERVER, startLr, waitForEvents } from "./lr-process.js";

let server: ServerProcess | null = null;
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(() => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const s of sockets.splice(0)) s.destroy();
  server?.kill();
  server = null;
});

/** Opens a connection (from `localAddress`) and resolves with it once connected. */
function dial(port: number, localAddress = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, localAddress });
    s.on("error", () => {});
    sockets.push(s);
    s.once("connect", () => resolve(s));
    s.once("close", () => reject(new Error("closed before connecting")));
  });
}

/** Resolves once `socket` is closed (by the server), with how long it stayed open. */
function closed(socket: Socket): Promise<void> {
  return socket.destroyed ? Promise.resolve() : new Promise((r) => socket.once("close", () => r()));
}

const lostWith = (srv: ServerProcess, code: string): number =>
  events(srv).filter((e) => e.event === "lost" && e.code === code).length;

describe("limits (issue 14.5)", () => {
  it("--idle-timeout closes connections that send nothing; a busy one stays", async () => {
    server = await startLr(["--idle-timeout", "0.3", "--line-timeout", "0"]);
    const srv = server;
    const idle = await Promise.all(Array.from({ length: 10 }, () => dial(srv.port)));
    const busy = await dial(srv.port);
    const tick = setInterval(() => busy.write("x\r\n"), 50);
    timers.push(tick);
    await Promise.all(idle.map(closed));
    await waitForEvents(srv, "lost", 10);
    clearInterval(tick);
    expect(busy.destroyed).toBe(false);
    const n = lostWith(srv, "ERR_IDLE_TIMEOUT");
    console.log(
      `[hostile] --idle-timeout 0.3: ${n} of 11 connections closed (the busy one stayed)`,
    );
    expect(n).toBe(10);
    expect((await srv.stop("SIGTERM")).code).toBe(0);
  });

  it("--line-timeout closes slowloris connections that trickle a line, however steadily", async () => {
    server = await startLr(["--idle-timeout", "5", "--line-timeout", "0.5"]);
    const srv = server;
    const slow = await Promise.all(Array.from({ length: 10 }, () => dial(srv.port)));
    const fine = await dial(srv.port);
    // One byte every 50 ms each: never idle, never a whole line.
    const tick = setInterval(() => {
      for (const s of slow) if (!s.destroyed) s.write("a");
      fine.write("ok\r\n");
    }, 50);
    timers.push(tick);
    await Promise.all(slow.map(closed));
    clearInterval(tick);
    await waitForEvents(srv, "lost", 10);
    const n = lostWith(srv, "ERR_LINE_TIMEOUT");
    console.log(
      `[hostile] --line-timeout 0.5: ${n} of 11 connections closed (the one sending whole lines stayed)`,
    );
    expect(n).toBe(10);
    expect(fine.destroyed).toBe(false);
    expect((await srv.stop("SIGTERM")).code).toBe(0);
  });

  it("--max-connections: the excess is accepted and closed at once, with rate-limited stderr lines", async () => {
    server = await startLr(["--max-connections", "5"]);
    const srv = server;
    const kept = await Promise.all(Array.from({ length: 5 }, () => dial(srv.port)));
    await waitForEvents(srv, "connection", 5);
    const extra = await Promise.allSettled(Array.from({ length: 50 }, () => dial(srv.port)));
    await Promise.all(sockets.slice(5).map(closed));
    const refusals = srv.stderr.filter((l) => l.includes("refused"));
    console.log(
      `[hostile] --max-connections 5: ${50} connections over the limit closed at once; ${refusals.length} stderr line(s)`,
    );
    expect(extra.length).toBe(50);
    expect(kept.every((s) => !s.destroyed)).toBe(true);
    expect(events(srv).filter((e) => e.event === "connection").length).toBe(5);
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(refusals.length).toBeLessThanOrEqual(2);
    expect(refusals[0]).toContain("maxConnections=5");
    // A slot frees up when a connection goes.
    kept[0]?.destroy();
    await waitForEvents(srv, "lost", 1);
    await dial(srv.port);
    await waitForEvents(srv, "connection", 6);
    expect((await srv.stop("SIGTERM")).code).toBe(0);
  });

  it("--max-connections-per-peer limits each peer address on its own", async () => {
    server = await startLr(["--max-connections-per-peer", "2"]);
    const srv = server;
    const peers = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
    for (const peer of peers)
      for (let i = 0; i < 4; i++) await dial(srv.port, peer).catch(() => null);
    await until(() => sockets.filter((s) => s.destroyed).length >= 6, "the refused ones closed");
    await waitForEvents(srv, "connection", 6);
    const byPeer = new Map<string, number>();
    for (const e of events(srv))
      if (e.event === "connection") {
        const host = (e.peer ?? "").split(":")[0] as string;
        byPeer.set(host, (byPeer.get(host) ?? 0) + 1);
      }
    console.log(
      `[hostile] --max-connections-per-peer 2: ${sockets.filter((s) => s.destroyed).length} of 12 closed (2 kept per peer)`,
    );
    expect(byPeer).toEqual(new Map(peers.map((p) => [p, 2])));
    expect(sockets.filter((s) => s.destroyed).length).toBe(6);
    expect(srv.stderr.filter((l) => l.includes("refused")).length).toBeLessThanOrEqual(2);
    expect((await srv.stop("SIGTERM")).code).toBe(0);
  });

  it("out of descriptors (ulimit -n 64): the excess is refused with lines naming the limit, no spin, and service resumes", async () => {
    server = await startLr([], 64);
    const srv = server;
    const attempts = await Promise.allSettled(Array.from({ length: 120 }, () => dial(srv.port)));
    await until(() => sockets.filter((s) => s.destroyed).length >= 80, "the excess closed");
    // Not spinning: with the descriptors still held, the server goes idle.
    await untilIdle(srv.pid, 300, 10_000);
    const open = sockets.filter((s) => !s.destroyed).length;
    const lines = srv.stderr.filter((l) => l.includes("ulimit -n 64"));
    console.log(
      `[hostile] ulimit -n 64: ${open} of ${attempts.length} connections kept, ${sockets.length - open} closed at once, ${lines.length} stderr line(s), ${procCpuTicks(srv.pid)} CPU ticks in all`,
    );
    expect(open).toBeLessThanOrEqual(64);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(3);
    // Free the descriptors: a new connection is served.
    for (const s of sockets.splice(0)) s.destroy();
    await until(() => lostCount(srv) >= open, "the held connections closed");
    const s = await dial(srv.port);
    s.end("after\r\n");
    await srv.waitForLine((l) => l.includes('"data":"after"'));
    expect((await srv.stop("SIGTERM")).code).toBe(0);
  });

  it("binding a non-loopback address prints a one-line warning on stderr", async () => {
    // 192.0.2.1 (TEST-NET-1) is not on this machine: the warning, then the bind fails. Nothing is exposed.
    const child = spawn(process.execPath, [LR_SERVER, "--port", "0", "--host", "192.0.2.1"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const code = await new Promise<number | null>((r) => child.once("close", (c) => r(c)));
    clearTimeout(timer);
    const lines = stderr.trim().split("\n");
    expect(lines[0]).toBe(
      "lr-server: warning: listening on 192.0.2.1, not a loopback address: anyone who can reach this host can connect",
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("cannot listen on 192.0.2.1");
    expect(code).toBe(1);
  });
});

function lostCount(srv: ServerProcess): number {
  return events(srv).filter((e) => e.event === "lost").length;
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
