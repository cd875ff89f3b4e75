/**
 * End-to-end `--proxy-protocol` with `--workers 2`: the BUILT server (dist/main.js) on 127.0.0.1
 * with --port 0, fed PROXY headers by node:net peers. Workers format their events and send them to
 * the primary over IPC: the `via` of a connection event and the health checks' absence from the
 * totals must survive that path. (The real HAProxy in front runs in tooling/load/src/haproxy.)
 */
import { once } from "node:events";
import { existsSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { PROXY_V2_SIGNATURE } from "@lr/reactor";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { AppProcess, killAll } from "./e2e-harness.js";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the server first (pnpm build)`);
});
afterEach(killAll);

interface JsonEvent {
  event: string;
  id?: number;
  peer?: string;
  via?: string;
  data?: string;
  port?: number;
  worker?: number;
  connections?: number;
  lines?: number;
}

const parse = (line: string): JsonEvent | null =>
  line.startsWith("{") ? (JSON.parse(line) as JsonEvent) : null;

async function dial(port: number, first: string | Uint8Array): Promise<Socket> {
  const socket = connect({ port, host: "127.0.0.1" });
  await once(socket, "connect");
  await new Promise<void>((resolve, reject) =>
    socket.write(first, (e) => (e ? reject(e) : resolve())),
  );
  return socket;
}

describe("lr-server --proxy-protocol --workers 2", () => {
  it("--json: each connection event carries the client as peer, the balancer as via, and the worker id; health checks are not counted", async () => {
    const server = new AppProcess(MAIN, [
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--json",
      "--workers",
      "2",
      "--proxy-protocol",
    ]);
    const listening = parse(await server.waitForLine((l) => parse(l)?.event === "listening"));
    const port = listening?.port ?? 0;
    const sockets: Socket[] = [];
    for (let i = 1; i <= 6; i++) {
      sockets.push(
        await dial(port, `PROXY TCP4 192.0.2.${i} 127.0.0.1 ${5000 + i} 9000\r\nhi ${i}\r\n`),
      );
    }
    // Two health checks: a v2 LOCAL header, and one that sends a line too.
    sockets.push(await dial(port, new Uint8Array([...PROXY_V2_SIGNATURE, 0x20, 0x00, 0, 0])));
    sockets.push(
      await dial(
        port,
        Buffer.concat([
          Buffer.from([...PROXY_V2_SIGNATURE, 0x20, 0x00, 0, 0]),
          Buffer.from("ping\r\n"),
        ]),
      ),
    );
    await server.waitForCount((l) => parse(l)?.event === "line", 6);
    for (const s of sockets) s.end();
    await server.waitForCount((l) => parse(l)?.event === "lost", 6);
    server.child.kill("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);

    const events = server.stdout.map(parse).filter((e): e is JsonEvent => e !== null);
    const connections = events.filter((e) => e.event === "connection");
    expect(connections.map((e) => e.peer).sort()).toEqual(
      [1, 2, 3, 4, 5, 6].map((i) => `192.0.2.${i}:${5000 + i}`),
    );
    for (const e of connections) {
      expect(e.via).toMatch(/^127\.0\.0\.1:\d+$/);
      expect([1, 2]).toContain(e.worker);
    }
    expect(events.filter((e) => e.event === "line").map((e) => e.data)).not.toContain("ping");
    expect(events.filter((e) => e.event === "lost")).toHaveLength(6);
    expect(events.at(-1)).toEqual({ event: "stopped", connections: 6, lines: 6 });
  }, 30_000);

  it("text: the connection line names peer and via, printed by the primary", async () => {
    const server = new AppProcess(MAIN, [
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--workers",
      "2",
      "--proxy-protocol",
    ]);
    const first = await server.waitForLine((l) => l.startsWith("listening on "));
    const port = Number(first.slice(first.lastIndexOf(":") + 1));
    const socket = await dial(port, "PROXY TCP6 2001:db8::7 ::1 51000 9000\r\n");
    const line = await server.waitForLine((l) => l.startsWith("server received a connection!"));
    expect(line).toMatch(
      /^server received a connection! peer=\[2001:db8::7\]:51000 via=127\.0\.0\.1:\d+$/,
    );
    socket.end();
    await server.waitForLine((l) => l === "Connection lost");
    server.child.kill("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
  }, 30_000);
});
