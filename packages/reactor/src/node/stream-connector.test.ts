import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  clientFactoryOf,
  deferred,
  Recorder,
  serverFactoryOf,
  start,
  testReactor,
} from "../../test/helpers.js";
import type { Connector } from "../core/interfaces.js";
import { nullLogger } from "../core/logger.js";
import { Clock } from "../time/clock.js";
import { StreamConnector } from "./stream-connector.js";

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

/** A port on 127.0.0.1 that nothing listens on (bound then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, "127.0.0.1", res));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

const code = (e: unknown) => (e as { code?: string } | null)?.code;

describe("connectTCP / Connector", () => {
  it("connection refused → clientConnectionFailed(ERR_CONNECTION_REFUSED), factory started then stopped", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const cf = clientFactoryOf(new Recorder());
    const connector = r.connectTCP("127.0.0.1", await closedPort(), cf);
    expect(connector.state).toBe("connecting");
    expect(cf.starts).toBe(1);
    expect(code(await cf.failed.promise)).toBe("ERR_CONNECTION_REFUSED");
    expect(connector.state).toBe("disconnected");
    expect(cf.stops).toBe(1);
    expect(r.getResources()).toEqual([]);
    await r.stop();
    await done;
  });

  it("times out after timeoutMs with ERR_CONNECT_TIMEOUT (virtual clock, the attempt cannot have completed)", async () => {
    const server = createServer();
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    const port = (server.address() as { port: number }).port;
    const clock = new Clock();
    const idle = deferred();
    const cf = clientFactoryOf(new Recorder());
    const connector = new StreamConnector(
      { type: "TCP", host: "127.0.0.1", port, timeoutMs: 250, bindAddress: undefined },
      cf,
      {
        logger: nullLogger,
        clock,
        canConnect: () => true,
        connectorBusy: () => {},
        deferConnect: () => {},
        connectionOpened: () => {},
        connectorIdle: () => idle.resolve(),
        transportClosed: () => {},
        reportCallbackError: (_w, e) => {
          throw e;
        },
      },
    );
    connector.connect();
    clock.advance(249);
    expect(connector.state).toBe("connecting");
    clock.advance(1);
    expect(connector.state).toBe("disconnected");
    expect(code(await cf.failed.promise)).toBe("ERR_CONNECT_TIMEOUT");
    await idle.promise;
    expect(cf.stops).toBe(1);
    expect(clock.getDelayedCalls()).toEqual([]);
    await new Promise<void>((res) => server.close(() => res()));
  });

  it("a successful connect cancels the timeout call", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const port = r.listenTCP(0, serverFactoryOf(new Recorder()), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const client = new Recorder();
    const before = r.getDelayedCalls().length;
    r.connectTCP("127.0.0.1", addr.port, clientFactoryOf(client), { timeoutMs: 60_000 });
    expect(r.getDelayedCalls().length).toBe(before + 1);
    await client.made.promise;
    expect(r.getDelayedCalls().length).toBe(before);
    await r.stop();
    await done;
  });

  it("stopConnecting() fails the attempt with ERR_CONNECTING_CANCELLED; otherwise throws ERR_NOT_CONNECTING", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const cf = clientFactoryOf(new Recorder());
    const connector = r.connectTCP("127.0.0.1", await closedPort(), cf);
    connector.stopConnecting();
    expect(code(await cf.failed.promise)).toBe("ERR_CONNECTING_CANCELLED");
    expect(() => connector.stopConnecting()).toThrow(
      expect.objectContaining({ code: "ERR_NOT_CONNECTING" }),
    );
    await r.stop();
    await done;
  });

  it("connect() while connecting throws ERR_ALREADY_CONNECTING", async () => {
    const r = testReactor();
    const cf = clientFactoryOf(new Recorder());
    const connector = r.connectTCP("127.0.0.1", 9, cf);
    expect(() => connector.connect()).toThrow(
      expect.objectContaining({ code: "ERR_ALREADY_CONNECTING" }),
    );
    connector.stopConnecting();
    expect(code(await cf.failed.promise)).toBe("ERR_CONNECTING_CANCELLED");
  });

  it("connectTCP before run() starts connecting at startup; getDestination() is the host as given", async () => {
    const r = testReactor();
    const server = new Recorder();
    const port = r.listenTCP(0, serverFactoryOf(server), { host: "127.0.0.1" });
    const { done } = await start(r);
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    await r.stop();
    await done;
    // now stopped: the connect is only recorded
    const port2 = r.listenTCP(0, serverFactoryOf(server), { host: "127.0.0.1" });
    const client = new Recorder();
    const cf = clientFactoryOf(client);
    let startedAt: string | null = null;
    cf.startedConnecting = () => {
      startedAt = r.state;
    };
    const pendingPort = { port: 0 };
    const bound = port2.whenListening().then((a) => {
      if (a.type === "TCP") pendingPort.port = a.port;
    });
    const { done: done2 } = await start(r);
    await bound;
    const connector = r.connectTCP("localhost", pendingPort.port, cf);
    expect(connector.getDestination()).toEqual({
      type: "TCP",
      family: "IPv4",
      host: "localhost",
      port: pendingPort.port,
    });
    await Promise.race([client.made.promise, cf.failed.promise]);
    expect(startedAt).toBe("running");
    await r.stop();
    await done2;
  });

  it("a connect requested while stopped waits for run()", async () => {
    const r = testReactor();
    const cf = clientFactoryOf(new Recorder());
    const port = await closedPort();
    const connector = r.connectTCP("127.0.0.1", port, cf);
    expect(connector.state).toBe("connecting");
    expect(r.getResources().map((x) => x.kind)).toEqual(["connector"]);
    const { done } = await start(r);
    expect(code(await cf.failed.promise)).toBe("ERR_CONNECTION_REFUSED");
    await r.stop();
    await done;
  });

  it("disconnect() closes an established connection (clientConnectionLost with ConnectionDone)", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const port = r.listenTCP(0, serverFactoryOf(new Recorder()), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const client = new Recorder();
    const cf = clientFactoryOf(client);
    const connector = r.connectTCP("127.0.0.1", addr.port, cf);
    await client.made.promise;
    expect(connector.state).toBe("connected");
    connector.disconnect();
    expect(code(await cf.lost.promise)).toBe("ERR_CONNECTION_DONE");
    expect(connector.state).toBe("disconnected");
    expect(cf.stops).toBe(1);
    await r.stop();
    await done;
  });

  it("reconnecting from clientConnectionFailed keeps the factory started (no doStop/doStart cycle)", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const port = await closedPort();
    const failures = deferred();
    let failed = 0;
    const cf = clientFactoryOf(new Recorder());
    cf.clientConnectionFailed = (connector: Connector) => {
      failed++;
      if (failed < 3) connector.connect();
      else failures.resolve();
    };
    r.connectTCP("127.0.0.1", port, cf);
    await failures.promise;
    expect([failed, cf.starts, cf.stops]).toEqual([3, 1, 1]);
    await r.stop();
    await done;
  });

  it("stop() cancels attempts in progress (clientConnectionFailed) and closes clients (clientConnectionLost)", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const port = r.listenTCP(0, serverFactoryOf(new Recorder()), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const client = new Recorder();
    const connected = clientFactoryOf(client);
    r.connectTCP("127.0.0.1", addr.port, connected);
    await client.made.promise;
    const pending = clientFactoryOf(new Recorder());
    let beforeShutdown: string | null = null;
    const id = r.addSystemEventTrigger("before", "shutdown", () => {
      // an attempt to a port that will accept, started too late to complete before teardown
      r.connectTCP("127.0.0.1", addr.port, pending, { timeoutMs: 60_000 });
      beforeShutdown = "started";
    });
    await r.stop();
    await done;
    r.removeSystemEventTrigger(id);
    expect(beforeShutdown).toBe("started");
    await expect(connected.lost.promise).resolves.toBeInstanceOf(Error);
    const outcome = await Promise.race([
      pending.failed.promise.then(code),
      pending.lost.promise.then(code),
    ]);
    // cancelled while connecting, refused by the port closing under it, or closed once connected:
    // whichever way the race goes, the factory hears about it and nothing is left behind
    expect(["ERR_CONNECTING_CANCELLED", "ERR_CONNECTION_REFUSED", "ERR_CONNECTION_DONE"]).toContain(
      outcome,
    );
    expect(r.getResources()).toEqual([]);
  });
});
