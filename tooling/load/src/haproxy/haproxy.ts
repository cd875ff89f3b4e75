/**
 * A real HAProxy (Debian's `haproxy` binary) in front of lr-server processes, for the end-to-end
 * test and the benchmark: the configuration they use (also shown in the root README), starting and
 * stopping HAProxy by its pid, and its runtime API on a stats socket. Loopback only.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** The haproxy binary, or `null` when it is not installed. */
export function findHaproxy(): string | null {
  for (const candidate of ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/usr/bin/haproxy"])
    if (existsSync(candidate)) return candidate;
  try {
    const found = execFileSync("sh", ["-c", "command -v haproxy"], { encoding: "utf8" }).trim();
    return found === "" ? null : found;
  } catch {
    return null;
  }
}

/** A free TCP port on `host` right now (HAProxy cannot bind port 0 and report it). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One backend server line of the configuration. */
export interface Backend {
  /** Server name in HAProxy (`lr1`...). */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `v2`: `send-proxy-v2` (health checks send a LOCAL header); `v1`: `send-proxy`. */
  readonly proxy: "v1" | "v2";
}

/** What {@link haproxyConfig} needs. */
export interface HaproxyConfigOptions {
  /** Where clients connect. */
  readonly bind: { readonly host: string; readonly port: number };
  /** The runtime API's UNIX socket. */
  readonly statsSocket: string;
  readonly backends: readonly Backend[];
  /** Health-check interval (default `2s`; the test uses `100ms`). */
  readonly checkInterval?: string;
}

/**
 * The HAProxy configuration the tests run (and the README shows): TCP mode, round robin over the
 * lr-server hosts, the PROXY protocol to each (v2 or v1), TCP health checks that speak it too, a
 * runtime API socket for draining, and retries with redispatch so a connection refused by a host
 * that went away is tried on another.
 */
export function haproxyConfig(options: HaproxyConfigOptions): string {
  const inter = options.checkInterval ?? "2s";
  const servers = options.backends.map(
    (b) =>
      `  server ${b.name} ${b.host}:${b.port} ${b.proxy === "v2" ? "send-proxy-v2 proxy-v2-options crc32c" : "send-proxy"} check inter ${inter} fastinter ${inter} downinter ${inter} rise 1 fall 1`,
  );
  return `global
  stats socket ${options.statsSocket} mode 600 level admin
  maxconn 4096

defaults
  mode tcp
  timeout connect 2s
  timeout client 1h
  timeout server 1h
  retries 3
  option redispatch

frontend lines
  bind ${options.bind.host}:${options.bind.port}
  default_backend lr

backend lr
  balance roundrobin
${servers.join("\n")}
`;
}

/** A running HAProxy. */
export class Haproxy {
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly child: ChildProcess,
    readonly dir: string,
    readonly statsSocket: string,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    if (child.stderr)
      createInterface({ input: child.stderr }).on("line", (l) => this.stderr.push(l));
  }

  /** Sends one runtime API command and resolves with HAProxy's answer. */
  command(cmd: string, timeoutMs = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ path: this.statsSocket });
      const got: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer to ${JSON.stringify(cmd)} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => socket.end(`${cmd}\n`));
      socket.on("data", (d) => got.push(d));
      socket.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once("close", () => {
        clearTimeout(timer);
        resolve(Buffer.concat(got).toString("utf8"));
      });
    });
  }

  /** `show stat` of backend `lr`'s servers: status and current sessions by server name. */
  async servers(): Promise<Map<string, { status: string; sessions: number }>> {
    const csv = await this.command("show stat");
    const lines = csv.split("\n");
    const header = (lines[0] ?? "").replace(/^# /, "").split(",");
    const col = (name: string) => header.indexOf(name);
    const out = new Map<string, { status: string; sessions: number }>();
    for (const line of lines.slice(1)) {
      const f = line.split(",");
      if (
        f[col("pxname")] !== "lr" ||
        ["FRONTEND", "BACKEND", undefined].includes(f[col("svname")])
      )
        continue;
      out.set(f[col("svname")] as string, {
        status: f[col("status")] ?? "",
        sessions: Number(f[col("scur")] ?? 0),
      });
    }
    return out;
  }

  /**
   * Resolves once `predicate` holds for the servers' state, asking the runtime API every 25 ms
   * (HAProxy has no way to push it); rejects after `timeoutMs`.
   */
  async waitFor(
    what: string,
    predicate: (servers: Map<string, { status: string; sessions: number }>) => boolean,
    timeoutMs = 10_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = new Map<string, { status: string; sessions: number }>();
    while (Date.now() < deadline) {
      last = await this.servers();
      if (predicate(last)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(
      `HAProxy: ${what} not reached within ${timeoutMs} ms: ${JSON.stringify([...last])}`,
    );
  }

  /** Stops HAProxy by its pid (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Writes the configuration for `backends` to a fresh temporary directory, starts HAProxy in the
 * foreground on a free 127.0.0.1 port and resolves once every backend is UP.
 */
export async function startHaproxy(
  binary: string,
  backends: readonly Backend[],
  checkInterval = "100ms",
): Promise<{ haproxy: Haproxy; config: string }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), "lr-haproxy-"));
    const statsSocket = join(dir, "admin.sock");
    const port = await freePort();
    const config = haproxyConfig({
      bind: { host: "127.0.0.1", port },
      statsSocket,
      backends,
      checkInterval,
    });
    const file = join(dir, "haproxy.cfg");
    writeFileSync(file, config);
    const child = spawn(binary, ["-db", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
    const haproxy = new Haproxy(child, dir, statsSocket, port);
    try {
      await waitForSocket(haproxy, 5000);
      await haproxy.waitFor("every backend UP", (s) =>
        backends.every((b) => s.get(b.name)?.status === "UP"),
      );
      return { haproxy, config };
    } catch (error) {
      lastError = new Error(
        `${error instanceof Error ? error.message : String(error)}; haproxy stderr: ${haproxy.stderr.slice(-5).join(" | ")}`,
      );
      await haproxy.stop();
    }
  }
  throw lastError;
}

/** Resolves once the runtime API answers (HAProxy has parsed its configuration and bound). */
async function waitForSocket(haproxy: Haproxy, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const exited = haproxy.exited.then((e) => {
    throw new Error(`haproxy exited early: ${JSON.stringify(e)}`);
  });
  exited.catch(() => {});
  while (Date.now() < deadline) {
    try {
      await Promise.race([haproxy.command("show info", 1000), exited]);
      return;
    } catch (error) {
      if (haproxy.child.exitCode !== null) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`haproxy's stats socket did not answer within ${timeoutMs} ms`);
}
