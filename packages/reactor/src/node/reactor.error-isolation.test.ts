import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  clientFactoryOf,
  connectedPair,
  Recorder,
  serverFactoryOf,
  start,
  testReactor,
  whenReceived,
} from "../../test/helpers.js";
import type { Address } from "../core/address.js";
import type { FactoryLike, ProtocolLike } from "../core/interfaces.js";
import type { Reactor } from "./reactor.js";

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

/** Checks the reactor still serves: a fresh connection echoes. */
async function stillServes(r: Reactor): Promise<void> {
  const server = new (class extends Recorder {
    override dataReceived(d: Uint8Array): void {
      super.dataReceived(d);
      this.transport?.write(d);
    }
  })();
  const { client } = await connectedPair(r, server, new Recorder());
  const echoed = whenReceived(client, (p) => p.text() === "ok?");
  client.transport?.write("ok?");
  await echoed;
}

const code = (e: unknown) => (e as { code?: string } | null)?.code;

describe("error isolation", () => {
  for (const variant of ["throws", "rejects"] as const) {
    it(`dataReceived that ${variant} loses only its own connection, logged with context`, async () => {
      const r = testReactor();
      const { done } = await start(r);
      const bad = new (class extends Recorder {
        override dataReceived(d: Uint8Array): unknown {
          super.dataReceived(d);
          if (variant === "throws") throw new Error("bad data");
          return Promise.reject(new Error("bad data"));
        }
      })();
      const other = await connectedPair(r, new Recorder(), new Recorder());
      const victim = await connectedPair(r, bad, new Recorder());
      victim.client.transport?.write("trigger");
      expect(code(await bad.lost.promise)).toBe("ERR_CONNECTION_ABORTED");
      expect((bad.reason as Error).cause).toMatchObject({ message: "bad data" });
      await victim.client.lost.promise;
      // the other connection is untouched and still works
      const got = whenReceived(other.server, (p) => p.text() === "alive");
      other.client.transport?.write("alive");
      await got;
      expect(other.server.transport?.disconnecting).toBe(false);
      await stillServes(r);
      const errors = r.logged.filter((e) => e.level === "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]?.context).toMatchObject({ callback: "dataReceived" });
      expect(r.state).toBe("running");
      await r.stop();
      await done;
    });
  }

  it("a throwing connectionMade aborts that connection only", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const bad = new (class extends Recorder {
      override connectionMade(): void {
        super.connectionMade();
        throw new Error("cannot start");
      }
    })();
    const port = r.listenTCP(0, serverFactoryOf(bad), { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const cf = clientFactoryOf(new Recorder());
    r.connectTCP("127.0.0.1", addr.port, cf);
    expect(code(await bad.lost.promise)).toBe("ERR_CONNECTION_ABORTED");
    // the reset may reach the client before or after its connect completed
    await Promise.race([cf.failed.promise, cf.lost.promise]);
    await stillServes(r);
    expect(r.logged.filter((e) => e.level === "error").map((e) => e.context?.callback)).toEqual([
      "makeConnection",
    ]);
    await r.stop();
    await done;
  });

  it("a throwing connectionLost, clientConnectionLost or buildProtocol is logged and nothing else breaks", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const noisy = new (class extends Recorder {
      override connectionLost(reason: Error): void {
        super.connectionLost(reason);
        throw new Error("in connectionLost");
      }
    })();
    const { client } = await connectedPair(r, noisy, new Recorder());
    client.transport?.loseConnection();
    await noisy.lost.promise;
    // a server factory whose buildProtocol throws: the connection is refused, the port keeps going
    let builds = 0;
    const throwing: FactoryLike = {
      buildProtocol(_a: Address): ProtocolLike | null {
        builds++;
        throw new Error("in buildProtocol");
      },
      doStart() {},
      doStop() {},
    };
    const port = r.listenTCP(0, throwing, { host: "127.0.0.1" });
    const addr = await port.whenListening();
    if (addr.type !== "TCP") throw new Error("TCP expected");
    const refused = new Recorder();
    const cf = clientFactoryOf(refused);
    cf.clientConnectionLost = () => {
      throw new Error("in clientConnectionLost");
    };
    r.connectTCP("127.0.0.1", addr.port, cf);
    await refused.lost.promise;
    expect(builds).toBe(1);
    await stillServes(r);
    const messages = r.logged
      .filter((e) => e.level === "error")
      .map((e) => (e.error as Error).message);
    expect(messages).toEqual(expect.arrayContaining(["in connectionLost", "in buildProtocol"]));
    await r.stop();
    await done;
    expect(r.getResources()).toEqual([]);
  });

  it("a throwing producer is isolated like a protocol callback", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const { server, client } = await connectedPair(r, new Recorder(), new Recorder());
    let calls = 0;
    server.transport?.registerProducer(
      {
        // the first call (from registerProducer itself) writes; the next one, made by the
        // transport when it wants more, throws
        resumeProducing() {
          if (++calls > 1) throw new Error("producer broke");
          server.transport?.write("some data");
        },
        stopProducing() {},
      },
      false,
    );
    expect(code(await server.lost.promise)).toBe("ERR_CONNECTION_ABORTED");
    await client.lost.promise;
    await stillServes(r);
    await r.stop();
    await done;
  });
});
