/**
 * lr-server behind a real HAProxy (Debian's `haproxy`), everything on loopback: two
 * `lr-server --proxy-protocol` processes, `send-proxy-v2` to one and `send-proxy` to the other,
 * round robin, health checks on. Clients bind distinct loopback source addresses so the PROXY
 * header is the only way a backend can know who they are. Without haproxy the suite is skipped with
 * a one-line reason, except under CI=true, where it fails (.ci/run installs haproxy).
 */
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, LR_SERVER, type ServerEvent, startLr } from "../faults/lr-process.js";
import { parseSummary, type ServerProcess, startServer } from "../proc.js";
import { type Backend, findHaproxy, type Haproxy, haproxyConfig, startHaproxy } from "./haproxy.js";

const HAPROXY = findHaproxy();
const CI = process.env.CI === "true";
if (!HAPROXY && !CI)
  console.warn("haproxy e2e skipped: no haproxy binary (apt-get install haproxy; CI=true fails)");

type Event = ServerEvent & { readonly via?: string };

/** One client connection through HAProxy: what it sent, from where, and how it ended. */
interface Session {
  readonly source: string;
  readonly localPort: number;
  readonly openedAt: number;
  readonly lines: readonly string[];
  readonly error: Error | null;
}

/**
 * Connects from `source` to `port`, sends `lines` in two writes, half-closes and resolves once the
 * server closed (lr-server closes when the client half-closes).
 */
function session(source: string, port: number, lines: readonly string[]): Promise<Session> {
  const openedAt = performance.now();
  return new Promise((resolve) => {
    let localPort = 0;
    let error: Error | null = null;
    const socket = connect({ host: "127.0.0.1", port, localAddress: source });
    const timer = setTimeout(
      () => socket.destroy(new Error("session timed out after 10 s")),
      10_000,
    );
    socket.once("connect", () => {
      localPort = socket.localPort ?? 0;
      const half = Math.ceil(lines.length / 2);
      socket.write(
        lines
          .slice(0, half)
          .map((l) => `${l}\r\n`)
          .join(""),
      );
      setImmediate(() =>
        socket.end(
          lines
            .slice(half)
            .map((l) => `${l}\r\n`)
            .join(""),
        ),
      );
    });
    socket.on("data", () => {});
    socket.once("error", (e) => {
      error = e;
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve({ source, localPort, openedAt, lines, error });
    });
  });
}

const lineEvents = (procs: readonly ServerProcess[]) =>
  procs.flatMap((p) => (events(p) as Event[]).filter((e) => e.event === "line"));

describe("the README's HAProxy configuration", () => {
  it("is the one this suite runs (same generator, production addresses)", () => {
    const readme = readFileSync(new URL("../../../../README.md", import.meta.url), "utf8");
    const config = haproxyConfig({
      bind: { host: "0.0.0.0", port: 9000 },
      statsSocket: "/run/haproxy/lr.sock",
      backends: [
        { name: "lr1", host: "10.0.0.11", port: 9000, proxy: "v2" },
        { name: "lr2", host: "10.0.0.12", port: 9000, proxy: "v1" },
      ],
    });
    expect(readme).toContain(`\`\`\`\n${config}\`\`\``);
  });
});

describe.skipIf(!HAPROXY && !CI)("lr-server --proxy-protocol behind a real HAProxy", () => {
  /** Every lr-server process started, restarted ones included (their output is kept). */
  const started: ServerProcess[] = [];
  /** The running process of each backend. */
  const current = new Map<string, ServerProcess>();
  let backends: Backend[] = [];
  let haproxy: Haproxy;
  let haproxyStartedAt = 0;

  const lr = async (port = 0): Promise<ServerProcess> => {
    const p =
      port === 0
        ? await startLr(["--proxy-protocol"])
        : await startServer(LR_SERVER, [
            "--port",
            String(port),
            "--host",
            "127.0.0.1",
            "--json",
            "--proxy-protocol",
          ]);
    started.push(p);
    return p;
  };

  beforeAll(async () => {
    if (!HAPROXY) throw new Error("haproxy is not installed (CI=true): .ci/run installs it");
    const [a, b] = [await lr(), await lr()];
    current.set("lr1", a);
    current.set("lr2", b);
    backends = [
      { name: "lr1", host: "127.0.0.1", port: a.port, proxy: "v2" },
      { name: "lr2", host: "127.0.0.1", port: b.port, proxy: "v1" },
    ];
    ({ haproxy } = await startHaproxy(HAPROXY, backends));
    haproxyStartedAt = performance.now();
  }, 30_000);

  afterAll(async () => {
    await haproxy?.stop();
    for (const p of started) p.kill();
  });

  it("clients from 127.0.0.2-127.0.0.5 are reported with their own address and port, on both backends", async () => {
    const sources = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
    const sessions: Session[] = [];
    // Sequential sessions: round robin alternates, so each source reaches both backends.
    for (const [i, source] of sources.entries())
      for (let round = 0; round < 2; round++)
        sessions.push(
          await session(source, haproxy.port, [`a${round}-${i}-0`, `a${round}-${i}-1`]),
        );
    expect(sessions.map((s) => s.error)).toEqual(sessions.map(() => null));
    const procs = [...current.values()];
    // Each session's end (lr-server prints "lost" once the client's half-close closed it).
    await Promise.all(
      procs.map((p) =>
        p.waitForCount(
          (l) => l.startsWith('{"event":"lost"'),
          events(p).filter((e) => e.event === "connection").length,
          10_000,
        ),
      ),
    );
    await waitForLines(procs, sessions.length * 2);
    const seenOn = new Map<string, Set<string>>();
    for (const s of sessions) {
      const peer = `${s.source}:${s.localPort}`;
      const where = [...current.entries()].flatMap(([name, p]) =>
        (events(p) as Event[])
          .filter((e) => e.event === "connection" && e.peer === peer)
          .map((e) => ({ name, e, p })),
      );
      expect(where, `connection events for ${peer}`).toHaveLength(1);
      const [{ name, e, p }] = where as [(typeof where)[number]];
      expect(e.via).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(e.via).not.toBe(peer);
      const own = (events(p) as Event[])
        .filter((x) => x.event === "line" && x.id === e.id)
        .map((x) => x.data);
      expect(own).toEqual(s.lines);
      const set = seenOn.get(s.source) ?? new Set<string>();
      set.add(name);
      seenOn.set(s.source, set);
    }
    for (const source of sources)
      expect([...(seenOn.get(source) ?? [])].sort()).toEqual(["lr1", "lr2"]);
    const all = lineEvents(procs).map((e) => e.data);
    expect(all.sort()).toEqual(sessions.flatMap((s) => s.lines).sort());
  });

  it("health checks (v2 LOCAL on lr1, v1 naming the check socket on lr2) pass, are not clients and log nothing", async () => {
    // HAProxy counts no checks, so give them a window: at least 1 s (ten check intervals) since it
    // started, and nothing printed by either server in it.
    const before = new Map([...current].map(([n, p]) => [n, events(p).length]));
    const left = haproxyStartedAt + 1000 - performance.now();
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    const stat = await haproxy.command("show stat");
    const header = (stat.split("\n")[0] ?? "").replace(/^# /, "").split(",");
    for (const name of ["lr1", "lr2"]) {
      const row =
        stat
          .split("\n")
          .find((l) => l.startsWith(`lr,${name},`))
          ?.split(",") ?? [];
      expect(row[header.indexOf("status")], name).toBe("UP");
      // HAProxy prefixes "* " while a check is in progress (every 100 ms here): the last result follows.
      expect(row[header.indexOf("check_status")]?.replace(/^\* /, ""), name).toBe("L4OK");
      expect(row[header.indexOf("chkfail")], name).toBe("0");
    }
    for (const [name, p] of current) {
      expect(events(p).slice(before.get(name)), `${name} printed nothing for the checks`).toEqual(
        [],
      );
      expect(p.stderr, `${name} logged nothing`).toEqual([]);
    }
  });

  it("rolling restart under load (drain, SIGTERM, start, ready; one host then the other): zero lines lost, no client error", async () => {
    let stop = false;
    let seq = 0;
    const sessions: Session[] = [];
    const sources = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"];
    const clients = sources.map(async (source, c) => {
      while (!stop) {
        const n = seq++;
        const lines = Array.from({ length: 20 }, (_, i) => `r${c}-${n}-${i}`);
        sessions.push(await session(source, haproxy.port, lines));
        await new Promise((r) => setTimeout(r, 5)); // pacing, so the clients leave the CPU some room
      }
    });
    const steps: string[] = [];
    let drainBegan = Number.POSITIVE_INFINITY;
    const t0 = performance.now();
    try {
      await haproxy.waitFor("traffic on both hosts", () => sessions.length >= 20, 10_000);
      for (const backend of backends) {
        const name = backend.name;
        drainBegan = Math.min(drainBegan, performance.now());
        expect(await haproxy.command(`set server lr/${name} state drain`)).toBe("\n");
        await haproxy.waitFor(`${name} drained`, (s) => s.get(name)?.sessions === 0);
        const old = current.get(name) as ServerProcess;
        const exit = await old.stop("SIGTERM");
        expect(exit.code, `${name} exit code`).toBe(0);
        const fresh = await lr(backend.port);
        current.set(name, fresh);
        expect(await haproxy.command(`set server lr/${name} state ready`)).toBe("\n");
        await haproxy.waitFor(`${name} UP`, (s) => s.get(name)?.status === "UP");
        steps.push(`${name} restarted at ${Math.round(performance.now() - t0)} ms`);
        const before = sessions.length;
        await haproxy.waitFor(
          `traffic after ${name}'s restart`,
          () => sessions.length >= before + 20,
        );
      }
    } finally {
      stop = true;
      await Promise.all(clients);
    }
    const restartedAt = Math.round(performance.now() - t0);
    for (const p of current.values()) {
      const exit = await p.stop("SIGTERM");
      expect(exit.code).toBe(0);
    }
    const sent = sessions.flatMap((s) => s.lines.filter((l) => l.startsWith("r")));
    const received = lineEvents(started)
      .map((e) => e.data ?? "")
      .filter((l) => l.startsWith("r"));
    const unique = new Set(received);
    const lost = sent.filter((l) => !unique.has(l)).length;
    const errors = sessions.filter((s) => s.error !== null);
    const errorsAfterDrain = errors.filter((s) => s.openedAt >= drainBegan);
    // Every process's own summary agrees with the lines it printed.
    for (const p of started) {
      const summary = parseSummary(p.lines);
      expect(summary?.lines).toBe(lineEvents([p]).length);
    }
    console.log(
      `haproxy rolling restart: ${sessions.length} connections, ${sent.length} lines sent, ${received.length} received, ${lost} lost, ${received.length - unique.size} duplicated, ${errors.length} client errors (${errorsAfterDrain.length} after the drain began); ${steps.join(", ")}; ${restartedAt} ms in all`,
    );
    expect(errorsAfterDrain.map((s) => s.error?.message)).toEqual([]);
    expect(errors.map((s) => s.error?.message)).toEqual([]);
    expect(lost).toBe(0);
    // Both restarted processes took traffic once set ready.
    for (const p of started.slice(2)) expect(lineEvents([p]).length).toBeGreaterThan(0);
    expect(received.length).toBe(unique.size);
    expect(received.length).toBe(sent.length);
    // No warning from any lr-server: every connection (checks included) had a valid header.
    for (const p of started) expect(p.stderr).toEqual([]);
  }, 60_000);
});

/** Resolves once the processes printed `count` line events in all. */
async function waitForLines(procs: readonly ServerProcess[], count: number): Promise<void> {
  const have = () => lineEvents(procs).length;
  if (have() >= count) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`saw ${have()} of ${count} lines`)), 10_000);
    const offs = procs.map((p) =>
      p.onLine(() => {
        if (have() < count) return;
        clearTimeout(timer);
        for (const off of offs) off();
        resolve();
      }),
    );
  });
}
