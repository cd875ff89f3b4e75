import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Collector, Echo, RecordingFactory } from "../../test/echo.js";
import type { TCPAddress } from "../core/address.js";
import { ConnectingCancelledError, ConnectionRefusedError } from "../core/errors.js";
import { Factory } from "../core/factory.js";
import { nullLogger } from "../core/logger.js";
import { createReactor, type Reactor } from "../node/reactor.js";
import { clientFromString, serverFromString } from "./from-string.js";

let reactor: Reactor;
const dirs: string[] = [];

afterEach(async () => {
  if (reactor && reactor.state !== "stopped") await reactor.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs the reactor around `body` and stops it when body settles; returns body's outcome. */
async function within<T>(body: () => Promise<T>): Promise<T> {
  let outcome!: Promise<T>;
  reactor.callWhenRunning(() => {
    outcome = body();
    const stop = () => void reactor.stop();
    void outcome.then(stop, stop);
  });
  await reactor.run();
  return outcome;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("serverFromString / clientFromString over TCP", () => {
  it("listens and connects with Twisted's syntax, and the protocol round-trips data", async () => {
    reactor = createReactor({ logger: nullLogger });
    const text = await within(async () => {
      const port = await serverFromString(reactor, "tcp:0:interface=127.0.0.1").listen(
        Factory.forProtocol(Echo),
      );
      const { port: n } = port.getHost() as TCPAddress;
      const client = (await clientFromString(
        reactor,
        `tcp:host=127.0.0.1:port=${n}:timeout=5`,
      ).connect(new RecordingFactory(() => new Collector()))) as Collector;
      expect(client.connected).toBe(true); // connectionMade already happened
      client.transport?.write("ping");
      await client.waitFor("ping");
      client.transport?.loseConnection();
      await client.closed;
      return client.received;
    });
    expect(text).toBe("ping");
  });

  it.each(["tcp:127.0.0.1:PORT", "TCP:host=127.0.0.1:PORT", "tcp:127.0.0.1:port=PORT"])(
    "client form %s",
    async (form) => {
      reactor = createReactor({ logger: nullLogger });
      await within(async () => {
        const port = await serverFromString(
          reactor,
          "tcp:port=0:interface=127.0.0.1:backlog=5",
        ).listen(Factory.forProtocol(Echo));
        const n = (port.getHost() as TCPAddress).port;
        const client = (await clientFromString(reactor, form.replace("PORT", String(n))).connect(
          new RecordingFactory(() => new Collector()),
        )) as Collector;
        client.transport?.loseConnection();
        await client.closed;
      });
    },
  );

  it("listen() rejects with CannotListenError when the port is taken", async () => {
    reactor = createReactor({ logger: nullLogger });
    const error = await within(async () => {
      const first = await serverFromString(reactor, "tcp:0:interface=127.0.0.1").listen(
        Factory.forProtocol(Echo),
      );
      const n = (first.getHost() as TCPAddress).port;
      return serverFromString(reactor, `tcp:${n}:interface=127.0.0.1`)
        .listen(Factory.forProtocol(Echo))
        .then(
          () => null,
          (e: unknown) => e,
        );
    });
    expect(error).toMatchObject({ code: "ERR_CANNOT_LISTEN" });
  });

  it("connect() rejects with ConnectionRefusedError", async () => {
    reactor = createReactor({ logger: nullLogger });
    const n = await freePort();
    const error = await within(() =>
      clientFromString(reactor, `tcp:127.0.0.1:${n}`)
        .connect(new RecordingFactory(() => new Collector()))
        .then(
          () => null,
          (e: unknown) => e,
        ),
    );
    expect(error).toBeInstanceOf(ConnectionRefusedError);
  });

  it("connect() is cancelled by an AbortSignal (ERR_CONNECTING_CANCELLED) and the factory is released", async () => {
    reactor = createReactor({ logger: nullLogger });
    const factory = new RecordingFactory(() => new Collector());
    const ac = new AbortController();
    const pending = clientFromString(reactor, "tcp:127.0.0.1:9").connect(factory, {
      signal: ac.signal,
    });
    ac.abort();
    await expect(pending).rejects.toBeInstanceOf(ConnectingCancelledError);
    expect(factory.numPorts).toBe(0);
    await expect(
      clientFromString(reactor, "tcp:127.0.0.1:9").connect(factory, {
        signal: AbortSignal.abort(),
      }),
    ).rejects.toMatchObject({
      code: "ERR_CONNECTING_CANCELLED",
    });
    expect(reactor.getResources()).toEqual([]);
  });

  it("connect() rejects when the factory refuses the connection", async () => {
    reactor = createReactor({ logger: nullLogger });
    const error = await within(async () => {
      const port = await serverFromString(reactor, "tcp:0:interface=127.0.0.1").listen(
        Factory.forProtocol(Echo),
      );
      const n = (port.getHost() as TCPAddress).port;
      const refusing = Factory.forProtocol(Echo);
      refusing.buildProtocol = () => null;
      return clientFromString(reactor, `tcp:127.0.0.1:${n}`)
        .connect(refusing)
        .then(
          () => null,
          (e: unknown) => e,
        );
    });
    expect(error).toMatchObject({ code: "ERR_CONNECT" });
  });
});

describe("unix: endpoints", () => {
  it("listens with a mode and connects by path", async () => {
    reactor = createReactor({ logger: nullLogger });
    const dir = mkdtempSync(join(tmpdir(), "lr-endpoints-"));
    dirs.push(dir);
    const path = join(dir, "a:b.sock");
    const escaped = path.replace(/:/g, "\\:");
    const received = await within(async () => {
      await serverFromString(reactor, `unix:${escaped}:mode=600:backlog=5:lockfile=0`).listen(
        Factory.forProtocol(Echo),
      );
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const client = (await clientFromString(reactor, `unix:path=${escaped}:timeout=2`).connect(
        new RecordingFactory(() => new Collector()),
      )) as Collector;
      client.transport?.write("over unix");
      await client.waitFor("over unix");
      client.transport?.loseConnection();
      await client.closed;
      return client.received;
    });
    expect(received).toBe("over unix");
  });
});

describe("bad endpoint strings", () => {
  it.each([
    ["server", "TCP:80", "TCP"],
    ["server", "tcp", "tcp"],
    ["server", "tcp:http", "port=http"],
    ["server", "tcp:70000", "port=70000"],
    ["server", "tcp:80:color=red", "color=red"],
    ["server", "tcp:80:127.0.0.1:5:extra", "extra"],
    ["server", "tcp:80:backlog=-1", "backlog=-1"],
    ["server", "unix:/tmp/x:mode=999", "mode=999"],
    ["server", "ssl:443:privateKey=/nonexistent/key.pem", "privateKey=/nonexistent/key.pem"],
    ["server", "quic:443", "quic"],
    ["client", "tcp:localhost", "tcp"],
    ["client", "tcp:localhost:80:x", "x"],
    ["client", "tcp:localhost:80:timeout=soon", "timeout=soon"],
    ["client", "unix:timeout=3", "unix"],
    ["client", "tls:localhost:443:trustRoots=/nonexistent.pem", "trustRoots=/nonexistent.pem"],
    ["client", "carrier-pigeon:home", "carrier-pigeon"],
  ] as const)("%s %s names %s", (side, text, part) => {
    const r = createReactor({ logger: nullLogger });
    const parse =
      side === "server" ? () => serverFromString(r, text) : () => clientFromString(r, text);
    let error: unknown;
    try {
      parse();
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "ERR_BAD_ENDPOINT", part, description: text });
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    expect(message).toContain(JSON.stringify(part));
  });
});
