/**
 * End-to-end: the BUILT client and server (dist/main.js of each) as real processes on 127.0.0.1,
 * the server on --port 0. Short --work/--linger; every wait is on an output line or an exit.
 */
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { AppProcess, killAll, portOf } from "../../server/src/e2e-harness.js";

const CLIENT = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const SERVER = fileURLToPath(new URL("../../server/dist/main.js", import.meta.url));

beforeAll(() => {
  for (const main of [CLIENT, SERVER]) {
    if (!existsSync(main)) throw new Error(`${main} is missing: run pnpm build first`);
  }
});
afterEach(killAll);

async function startServer(...args: string[]): Promise<{ server: AppProcess; port: number }> {
  const server = new AppProcess(SERVER, ["--port", "0", "--host", "127.0.0.1", ...args]);
  const first = await server.waitForLine(() => true);
  const port = first.startsWith("{")
    ? Number((JSON.parse(first) as { port: number }).port)
    : portOf(first);
  return { server, port };
}

function client(port: number, ...args: string[]): AppProcess {
  return new AppProcess(CLIENT, ["--host", "127.0.0.1", "--port", String(port), ...args]);
}

/** A port nobody listens on: bind one, note it, close it. */
async function freePort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const address = s.address();
  s.close();
  await once(s, "close");
  return typeof address === "object" && address ? address.port : 0;
}

describe("the seed scenario", () => {
  it("runs the same reactor 3 times: 3 connections, 3 'finished' lines, tries 2/1/0, exit 0", async () => {
    const { server, port } = await startServer();
    const c = client(port, "--tries", "3", "--work", "0.2", "--linger", "0.2");
    const exit = await c.waitForExit(30_000);
    expect(exit.code).toBe(0);
    const oneTry = ["client connected!", "running process", "process finished!", "Connection lost"];
    expect(c.stdout).toEqual([...oneTry, "tries 2", ...oneTry, "tries 1", ...oneTry, "tries 0"]);
    expect(c.stderr).toEqual([]);

    await server.waitForCount((l) => l === "Connection lost", 3);
    server.child.kill("SIGTERM");
    expect((await server.waitForExit()).code).toBe(0);
    expect(server.stdout.filter((l) => l === "server received a connection!")).toHaveLength(3);
    expect(server.stdout.filter((l) => l === "data => finished")).toHaveLength(3);
    expect(server.stdout.at(-1)).toBe("server stopped: 3 connections, 3 lines");
  });

  it("--json reports each try and --message is what the server receives", async () => {
    const { server, port } = await startServer("--json");
    const c = client(
      port,
      "--tries",
      "2",
      "--work",
      "0",
      "--linger",
      "0",
      "--json",
      "--message",
      "done ✓",
    );
    expect((await c.waitForExit(30_000)).code).toBe(0);
    const events = c.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual([
      ...["connected", "job-started", "job-finished", "sent", "lost", "try"],
      ...["connected", "job-started", "job-finished", "sent", "lost", "try"],
      "done",
    ]);
    expect(events.filter((e) => e.event === "try")).toEqual([
      { event: "try", try: 1, ok: true, triesLeft: 1 },
      { event: "try", try: 2, ok: true, triesLeft: 0 },
    ]);
    expect(events.at(-1)).toEqual({ event: "done", tries: 2, failed: 0 });
    await server.waitForCount((l) => l.includes('"event":"lost"'), 2);
    const lines = server.stdout
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.event === "line");
    expect(lines.map((e) => e.data)).toEqual(["done ✓", "done ✓"]);
  });
});

describe("lines from the server", () => {
  it("a line from the server arrives (and is printed) while the job is still running", async () => {
    const { port } = await startServer("--greet", "hello from the server");
    // A 2 s job: the greeting is sent at connect, so it must be printed long before the job ends.
    const c = client(port, "--tries", "1", "--work", "2", "--linger", "0");
    await c.waitForLine((l) => l === "Received data: hello from the server");
    expect(c.stdout).not.toContain("process finished!");
    expect((await c.waitForExit(30_000)).code).toBe(0);
    expect(c.stdout).toEqual([
      "client connected!",
      "running process",
      "Received data: hello from the server",
      "process finished!",
      "Connection lost",
      "tries 0",
    ]);
  });
});

describe("failures", () => {
  it("without a server: every try fails with ECONNREFUSED, one line on stderr, exit 1", async () => {
    const port = await freePort();
    const c = client(port, "--tries", "2", "--work", "0", "--linger", "0");
    const exit = await c.waitForExit(30_000);
    expect(exit.code).toBe(1);
    expect(c.stdout).toEqual([
      `connection failed: ECONNREFUSED (Connection was refused by 127.0.0.1:${port})`,
      "tries 1",
      `connection failed: ECONNREFUSED (Connection was refused by 127.0.0.1:${port})`,
      "tries 0",
    ]);
    expect(c.stderr).toEqual(["lr-client: 2 of 2 tries failed"]);
  });

  it("a try fails when the server goes away before the message is sent; exit 1", async () => {
    const { server, port } = await startServer();
    const c = client(port, "--tries", "1", "--work", "5", "--linger", "0");
    await server.waitForLine((l) => l === "server received a connection!");
    await c.waitForLine((l) => l === "running process");
    server.child.kill("SIGTERM");
    const exit = await c.waitForExit(30_000);
    expect(exit.code).toBe(1);
    expect(c.stdout).toEqual([
      "client connected!",
      "running process",
      "Connection lost",
      "tries 0",
    ]);
    expect(c.stderr).toEqual(["lr-client: 1 of 1 tries failed"]);
  });

  it("a bad flag gives one line on stderr, no stack, exit 2", async () => {
    const c = new AppProcess(CLIENT, ["--tries", "many"]);
    expect((await c.waitForExit()).code).toBe(2);
    expect(c.stderr).toEqual(['lr-client: --tries expects an integer, got "many"']);
    expect(c.stdout).toEqual([]);
  });

  it("--help documents every flag with its default; --version prints the version", async () => {
    const help = new AppProcess(CLIENT, ["--help"]);
    expect((await help.waitForExit()).code).toBe(0);
    const text = help.stdout.join("\n");
    for (const flag of [
      "--host",
      "--port",
      "--tries",
      "--work",
      "--linger",
      "--message",
      "--json",
      "--help",
      "--version",
    ]) {
      expect(text).toContain(flag);
    }
    for (const d of [
      "(default localhost)",
      "(default 9000)",
      "(default 3)",
      "(default 5)",
      "(default finished)",
    ]) {
      expect(text).toContain(d);
    }
    const version = new AppProcess(CLIENT, ["--version"]);
    expect((await version.waitForExit()).code).toBe(0);
    expect(version.stdout[0]).toMatch(
      /^lr-client \d+\.\d+\.\d+ \(@lr\/reactor \d+\.\d+\.\d+, @lr\/line-protocol \d+\.\d+\.\d+, node v/,
    );
  });
});
