/**
 * lr-client against a server that restarts between tries: the same client process (one reactor,
 * run again per try) must succeed while a server is there, fail cleanly while none is, and exit
 * with the right code.
 */
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { ServerProcess, startServer } from "../proc.js";
import { LR_CLIENT, LR_SERVER, startLr } from "./lr-process.js";

const running: ServerProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill();
});

interface ClientEvent {
  readonly event: string;
  readonly try?: number;
  readonly ok?: boolean;
  readonly code?: string;
  readonly tries?: number;
  readonly failed?: number;
}

function startClient(port: number, args: readonly string[]): ServerProcess {
  const child = spawn(
    process.execPath,
    [LR_CLIENT, "--host", "127.0.0.1", "--port", String(port), "--json", ...args],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const p = new ServerProcess(child, true);
  running.push(p);
  return p;
}

const is =
  (event: string, attempt?: number) =>
  (line: string): boolean => {
    if (!line.startsWith("{")) return false;
    const e = JSON.parse(line) as ClientEvent;
    return e.event === event && (attempt === undefined || e.try === attempt);
  };

describe("lr-client against a restarting server", () => {
  it("succeeds while a server is up (across a restart on the same port), fails while none is, exits 1", async () => {
    const first = await startLr();
    running.push(first);
    const port = first.port;
    // linger 2 s: the window in which this test restarts the server between two tries.
    const client = startClient(port, ["--tries", "3", "--work", "0.1", "--linger", "2"]);

    // Try 1 against the first server; once the message is out, restart the server on the same port.
    await client.waitForLine(is("sent", 1), 15_000);
    await first.waitForCount(
      (l) => l.includes('"event":"line"') && l.includes('"data":"finished"'),
      1,
    );
    expect((await first.stop("SIGTERM")).code).toBe(0);
    const second = await startServer(LR_SERVER, [
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--json",
    ]);
    running.push(second);
    expect(client.lines.some(is("try", 1))).toBe(false); // the restart happened between the tries

    // Try 2 against the restarted server; then take the server away for good.
    await client.waitForLine(is("sent", 2), 15_000);
    await second.waitForCount((l) => l.includes('"data":"finished"'), 1);
    expect((await second.stop("SIGTERM")).code).toBe(0);
    expect(client.lines.some(is("try", 2))).toBe(false);

    // Try 3 finds nobody: connection refused, and the client says so in its exit code.
    const exit = await client.exited;
    await client.waitForLine(is("done"));
    const evs = client.lines
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as ClientEvent);
    expect(evs.filter((e) => e.event === "try").map((e) => e.ok)).toEqual([true, true, false]);
    expect(evs.find((e) => e.event === "connect-failed")).toMatchObject({
      try: 3,
      code: "ERR_CONNECTION_REFUSED",
    });
    expect(evs.at(-1)).toMatchObject({ event: "done", tries: 3, failed: 1 });
    expect(exit.code).toBe(1);
    for (const server of [first, second]) {
      expect(server.lines.at(-1)).toBe('{"event":"stopped","connections":1,"lines":1}');
    }
  });

  it("exits 0 when a server restarted on the same port serves every try", async () => {
    const first = await startLr();
    running.push(first);
    expect((await first.stop("SIGTERM")).code).toBe(0);
    const again = await startServer(LR_SERVER, [
      "--port",
      String(first.port),
      "--host",
      "127.0.0.1",
      "--json",
    ]);
    running.push(again);
    const client = startClient(first.port, ["--tries", "2", "--work", "0", "--linger", "0"]);
    const exit = await client.exited;
    expect(exit.code).toBe(0);
    await again.waitForCount((l) => l.includes('"data":"finished"'), 2);
    expect((await again.stop("SIGTERM")).code).toBe(0);
    expect(again.lines.at(-1)).toBe('{"event":"stopped","connections":2,"lines":2}');
  });
});
