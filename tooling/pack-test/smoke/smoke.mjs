// Runtime smoke suite of the packed @lr/* packages. Plain ESM JavaScript, no
// test framework, so that it runs unchanged on Node, Bun and Deno:
//   node smoke.mjs | bun smoke.mjs | deno run -A smoke.mjs
// Prints one JSON line per check: {"check": name, "ok": true|false, "ms": n, "error"?: text}
// and exits 0 (the caller judges the lines; a crash prints nothing for the rest).
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { LineReceiver, LineSplitterStream } from "@lr/line-protocol";
import {
  ClientFactory,
  clientFromString,
  createReactor,
  ServerFactory,
  serverFromString,
} from "@lr/reactor";
import { Clock } from "@lr/testing";

const CHECK_TIMEOUT_MS = 15_000;

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no result after ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

class Echo extends LineReceiver {
  lineReceived(line) {
    this.sendLine(`echo:${line}`);
  }
}

class Asker extends LineReceiver {
  constructor(lines, done) {
    super();
    this.lines = lines;
    this.done = done;
    this.got = [];
  }
  connectionMade() {
    for (const l of this.lines) this.sendLine(l);
  }
  lineReceived(line) {
    this.got.push(line);
    if (this.got.length === this.lines.length) {
      this.done(this.got);
      this.transport?.loseConnection();
    }
  }
}

/** Three run()/stop() rounds, each: listen on port 0, connect, exchange CRLF lines, stop. */
async function tcpRestartLoop() {
  const reactor = createReactor({ threadPoolSize: 1 });
  const rounds = [];
  for (let round = 0; round < 3; round++) {
    const port = reactor.listenTCP(0, ServerFactory.forProtocol(Echo), { host: "127.0.0.1" });
    reactor.callWhenRunning(async () => {
      try {
        const address = await port.whenListening();
        const got = await new Promise((resolve, reject) => {
          const factory = new ClientFactory();
          factory.buildProtocol = () => new Asker([`a${round}`, `b${round}`], resolve);
          factory.clientConnectionFailed = (_c, reason) => reject(reason);
          reactor.connectTCP("127.0.0.1", address.port, factory);
        });
        rounds.push(got);
      } finally {
        await reactor.stop();
      }
    });
    await reactor.run();
    assertEqual(reactor.getResources().length, 0, `resources left after round ${round}`);
  }
  assertEqual(
    rounds,
    [0, 1, 2].map((r) => [`echo:a${r}`, `echo:b${r}`]),
    "echoed lines",
  );
}

/** serverFromString / clientFromString endpoints on loopback. */
async function endpoints() {
  const reactor = createReactor({ threadPoolSize: 1 });
  let got;
  reactor.callWhenRunning(async () => {
    try {
      const port = await serverFromString(reactor, "tcp:0:interface=127.0.0.1").listen(
        ServerFactory.forProtocol(Echo),
      );
      const address = await port.whenListening();
      got = await new Promise((resolve, reject) => {
        const factory = new ClientFactory();
        factory.buildProtocol = () => new Asker(["hello"], resolve);
        clientFromString(reactor, `tcp:host=127.0.0.1:port=${address.port}:timeout=5`)
          .connect(factory)
          .catch(reject);
      });
      await port.stopListening();
    } finally {
      await reactor.stop();
    }
  });
  await reactor.run();
  assertEqual(got, ["echo:hello"], "endpoint echo");
}

/** A UNIX-socket listener and connector (listenUNIX / connectUNIX). */
async function unixSockets() {
  const dir = mkdtempSync(join(tmpdir(), "lr-smoke-"));
  try {
    const reactor = createReactor({ threadPoolSize: 1 });
    const path = join(dir, "echo.sock");
    let got;
    const port = reactor.listenUNIX(path, ServerFactory.forProtocol(Echo));
    reactor.callWhenRunning(async () => {
      try {
        await port.whenListening();
        got = await new Promise((resolve, reject) => {
          const factory = new ClientFactory();
          factory.buildProtocol = () => new Asker(["over unix"], resolve);
          factory.clientConnectionFailed = (_c, reason) => reject(reason);
          reactor.connectUNIX(path, factory);
        });
      } finally {
        await reactor.stop();
      }
    });
    await reactor.run();
    assertEqual(got, ["echo:over unix"], "unix echo");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** lr's node:diagnostics_channel events (run, listening, open, close, stop) seen by a subscriber. */
async function diagnosticsChannel() {
  const names = [
    "lr:reactor:run",
    "lr:port:listening",
    "lr:connection:open",
    "lr:connection:close",
    "lr:reactor:stop",
  ];
  const seen = new Set();
  const fns = names.map((name) => [name, () => seen.add(name)]);
  for (const [name, fn] of fns) subscribe(name, fn);
  try {
    const reactor = createReactor({ threadPoolSize: 1 });
    const port = reactor.listenTCP(0, ServerFactory.forProtocol(Echo), { host: "127.0.0.1" });
    reactor.callWhenRunning(async () => {
      try {
        const address = await port.whenListening();
        await new Promise((resolve, reject) => {
          const factory = new ClientFactory();
          factory.buildProtocol = () => new Asker(["ping"], resolve);
          factory.clientConnectionFailed = (_c, reason) => reject(reason);
          reactor.connectTCP("127.0.0.1", address.port, factory);
        });
      } finally {
        await reactor.stop();
      }
    });
    await reactor.run();
  } finally {
    for (const [name, fn] of fns) unsubscribe(name, fn);
  }
  assertEqual(
    names.filter((n) => seen.has(n)),
    names,
    "channels that published",
  );
}

/** The ESM-only packages loaded with require() from CommonJS code (require(esm)). */
async function requireEsm() {
  const require = createRequire(import.meta.url);
  const names = [
    ["@lr/reactor", "createReactor"],
    ["@lr/line-protocol", "LineReceiver"],
    ["@lr/testing", "Clock"],
  ];
  const found = names.map(([pkg, name]) => typeof require(pkg)[name]);
  assertEqual(found, ["function", "function", "function"], "exports seen through require()");
}

/** @lr/testing's Clock: virtual time, nothing real waits. */
async function clock() {
  const c = new Clock();
  const fired = [];
  c.callLater(1000, () => fired.push("a"));
  c.callLater(500, () => fired.push("b"));
  c.advance(499);
  assertEqual(fired, [], "before 500 ms");
  c.advance(1);
  c.advance(500);
  assertEqual(fired, ["b", "a"], "after 1000 ms");
  assertEqual(c.seconds(), 1, "seconds()");
}

/** deferToThread on a worker thread (piscina), across a restart, with an error keeping its code. */
async function deferToThread() {
  const reactor = createReactor({ threadPoolSize: 1 });
  const job = new URL("./job.mjs", import.meta.url);
  const out = [];
  for (let i = 0; i < 2; i++) {
    reactor.callWhenRunning(async () => {
      try {
        out.push(await reactor.deferToThread(job, "square", 7 + i));
        try {
          await reactor.deferToThread(job, "fail");
        } catch (e) {
          out.push(e instanceof RangeError && e.code === "E_BIG");
        }
      } finally {
        await reactor.stop();
      }
    });
    await reactor.run();
  }
  assertEqual(out, [49, true, 64, true], "thread results");
}

/** The Web-stream splitter on the global ReadableStream. */
async function webStreamSplitter() {
  const encoder = new TextEncoder();
  const parts = ["al", "pha\r\nbe", "ta\r", "\ngam", "ma"];
  const source = new ReadableStream({
    start(controller) {
      for (const p of parts) controller.enqueue(encoder.encode(p));
      controller.close();
    },
  });
  const lines = [];
  const reader = source.pipeThrough(new LineSplitterStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    lines.push(value);
  }
  assertEqual(lines, ["alpha", "beta", "gamma"], "lines");
}

const checks = {
  tcpRestartLoop,
  endpoints,
  unixSockets,
  clock,
  deferToThread,
  webStreamSplitter,
  requireEsm,
  diagnosticsChannel,
};
const only = process.argv.slice(2);
for (const [name, fn] of Object.entries(checks)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const started = performance.now();
  try {
    await withTimeout(fn(), name);
    console.log(
      JSON.stringify({ check: name, ok: true, ms: Math.round(performance.now() - started) }),
    );
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.log(
      JSON.stringify({
        check: name,
        ok: false,
        ms: Math.round(performance.now() - started),
        error,
      }),
    );
  }
}
// A runtime whose handles keep it alive past this point is a finding too: exit explicitly.
process.exit(0);
