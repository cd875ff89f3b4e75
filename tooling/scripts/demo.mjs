#!/usr/bin/env node
// `pnpm demo`: the main job. Builds (turbo: cached when nothing changed), starts lr-server on a
// free port, runs lr-client against it (3 tries of the SAME reactor, 1 s job, 1 s linger), shows
// both outputs interleaved and labelled, stops the server with SIGTERM (graceful: it prints its
// summary) and exits with the client's exit code. Works without a TTY (CI=true).
import { spawn, spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const serverMain = resolve(root, "apps/server/dist/main.js");
const clientMain = resolve(root, "apps/client/dist/main.js");
const STARTUP_TIMEOUT_MS = 15_000;

function say(line) {
  process.stdout.write(`[demo]   ${line}\n`);
}

say("building (pnpm build; turbo replays it from cache when nothing changed)...");
const build = spawnSync("pnpm", ["build"], {
  cwd: root,
  encoding: "utf8",
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
});
if (build.status !== 0) {
  process.stdout.write(build.stdout ?? "");
  process.stderr.write(build.stderr ?? "");
  say(`build failed (exit ${build.status ?? build.signal})`);
  process.exit(build.status || 1);
}

/** Starts a program and prints each of its stdout/stderr lines with a label. */
function start(label, args, onLine) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  const pad = `[${label}]`.padEnd(9);
  createInterface({ input: child.stdout }).on("line", (line) => {
    process.stdout.write(`${pad}${line}\n`);
    onLine?.(line);
  });
  createInterface({ input: child.stderr }).on("line", (line) => {
    process.stdout.write(`${pad}(stderr) ${line}\n`);
  });
  const exited = new Promise((resolveExit) => {
    child.on("exit", (code, signal) => resolveExit(code ?? (signal ? 128 : 1)));
  });
  return { child, exited };
}

let announce;
const listening = new Promise((resolveListening, rejectListening) => {
  announce = resolveListening;
  setTimeout(
    () => rejectListening(new Error("the server did not start listening in time")),
    STARTUP_TIMEOUT_MS,
  ).unref();
});
const server = start(
  "server",
  [serverMain, "--port", "0", "--host", "127.0.0.1", "--greet", "hello from lr-server"],
  (line) => {
    const match = /^listening on (.+):(\d+)$/.exec(line);
    if (match) announce({ host: match[1], port: Number(match[2]) });
  },
);

let address;
try {
  address = await Promise.race([
    listening,
    server.exited.then((code) => {
      throw new Error(`the server exited early (exit ${code})`);
    }),
  ]);
} catch (error) {
  say(error.message);
  server.child.kill("SIGKILL");
  process.exit(1);
}

say(`server is on ${address.host}:${address.port}; client: 3 tries, 1 s job, 1 s linger`);
const client = start("client", [
  clientMain,
  "--host",
  address.host,
  "--port",
  String(address.port),
  "--tries",
  "3",
  "--work",
  "1",
  "--linger",
  "1",
]);
const clientCode = await client.exited;
say(`client exited with ${clientCode}; stopping the server (SIGTERM)`);
server.child.kill("SIGTERM");
const serverCode = await server.exited;
say(`server exited with ${serverCode}`);
process.exit(clientCode !== 0 ? clientCode : serverCode);
