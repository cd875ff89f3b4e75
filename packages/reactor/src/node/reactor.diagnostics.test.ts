// The real reactor's diagnostics_channel events: what is published, in which order, with which
// fields; and nothing is published while a channel has no subscribers.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import { deferred, start, testReactor } from "../../test/helpers.js";
import { tcpAddress } from "../core/address.js";
import { type ChannelName, diagnostics } from "../core/diagnostics.js";
import { ClientFactory, ServerFactory } from "../core/factory.js";
import type { ListeningPort } from "../core/interfaces.js";
import { Protocol } from "../core/protocol.js";
import type { Reactor } from "./reactor.js";

const jobs = new URL("../../test/fixtures/jobs.mjs", import.meta.url);
const names = Object.values(diagnostics).map((c) => String(c.name) as ChannelName);

let reactor: Reactor | undefined;
const subscriptions: [string, (m: unknown) => void][] = [];
afterEach(async () => {
  for (const [name, fn] of subscriptions.splice(0)) unsubscribe(name, fn);
  if (reactor && reactor.state !== "stopped") await reactor.stop();
  reactor = undefined;
});

function record(): { name: ChannelName; message: Record<string, unknown> }[] {
  const events: { name: ChannelName; message: Record<string, unknown> }[] = [];
  for (const name of names) {
    const fn = (message: unknown) =>
      events.push({ name, message: message as Record<string, unknown> });
    subscribe(name, fn);
    subscriptions.push([name, fn]);
  }
  return events;
}

class Throws extends Protocol {
  override dataReceived(): void {
    throw new RangeError("bad input");
  }
}

describe("diagnostics channels of the real reactor", () => {
  it("publishes run, listening, open, error, close, connect failure, thread job, port close, stop", async () => {
    const events = record();
    const r = testReactor({ threadPoolSize: 1 });
    reactor = r;
    const port: ListeningPort = r.listenTCP(0, ServerFactory.forProtocol(Throws), {
      host: "127.0.0.1",
    });
    const { done } = await start(r);
    const address = await port.whenListening();
    if (address.type !== "TCP") throw new Error("TCP expected");

    // A client whose data makes the server protocol throw: aborted on the server side.
    const lost = deferred<Error>();
    const client = new ClientFactory();
    client.buildProtocol = () =>
      new (class extends Protocol {
        override connectionMade() {
          this.transport?.write("x");
        }
      })();
    client.clientConnectionLost = (_c, reason) => lost.resolve(reason);
    r.connectTCP("127.0.0.1", address.port, client);
    await lost.promise;

    // A refused attempt: bind a port, close it, connect to it.
    const closed = r.listenTCP(0, new ServerFactory(), { host: "127.0.0.1" });
    const closedAddress = await closed.whenListening();
    await closed.stopListening();
    const failed = deferred<Error>();
    const refused = new ClientFactory();
    refused.clientConnectionFailed = (_c, reason) => failed.resolve(reason);
    r.connectTCP("127.0.0.1", (closedAddress as { port: number }).port, refused);
    await failed.promise;

    expect(await r.deferToThread(jobs, "add", 2, 3)).toBe(5);
    void r.stop();
    await done;

    const seen = events.map((e) => e.name);
    expect(seen[0]).toBe("lr:reactor:run");
    expect(seen.at(-1)).toBe("lr:reactor:stop");
    for (const name of names.filter((n) => n !== "lr:line:too-long"))
      expect(seen, `${name} published`).toContain(name);
    expect(seen).not.toContain("lr:line:too-long"); // published by @lr/line-protocol

    const first = (name: ChannelName) => events.find((e) => e.name === name)?.message ?? {};
    expect(first("lr:reactor:run").reactor).toBe(r);
    expect(first("lr:port:listening")).toMatchObject({ reactor: r, port, address });
    const opens = events.filter((e) => e.name === "lr:connection:open").map((e) => e.message);
    expect(opens.map((m) => m.side).sort()).toEqual(["client", "server"]);
    const serverOpen = opens.find((m) => m.side === "server");
    expect(serverOpen?.host).toEqual(tcpAddress("127.0.0.1", address.port, "IPv4"));
    const callbackError = events.find(
      (e) => e.name === "lr:connection:error" && e.message.during === "callback",
    )?.message;
    expect(callbackError?.error).toBeInstanceOf(RangeError);
    expect(callbackError?.transport).toBe(serverOpen?.transport);
    const connectError = events.find(
      (e) => e.name === "lr:connection:error" && e.message.during === "connect",
    )?.message;
    expect(connectError).toMatchObject({ code: "ERR_CONNECTION_REFUSED", transport: null });
    const closes = events.filter((e) => e.name === "lr:connection:close").map((e) => e.message);
    expect(closes.find((m) => m.side === "server")?.code).toBe("ERR_CONNECTION_ABORTED");
    expect(first("lr:thread:job")).toMatchObject({
      module: String(jobs),
      exportName: "add",
      outcome: "resolved",
      error: undefined,
    });
    expect(first("lr:thread:job").durationMs).toBeGreaterThanOrEqual(0);
    const portCloses = events.filter((e) => e.name === "lr:port:close").map((e) => e.message.port);
    expect(portCloses).toContain(port);
    expect(portCloses).toContain(closed);
    expect((events.at(-1)?.message.durationMs as number) > 0).toBe(true);
  });

  it("builds and publishes nothing while nobody subscribes", async () => {
    for (const ch of Object.values(diagnostics)) expect(ch.hasSubscribers).toBe(false);
    const calls: string[] = [];
    const originals = Object.values(diagnostics).map((ch) => [ch, ch.publish] as const);
    for (const [ch] of originals)
      (ch as { publish: (m: unknown) => void }).publish = () => calls.push(String(ch.name));
    try {
      const r = testReactor({ threadPoolSize: 1 });
      reactor = r;
      const port = r.listenTCP(0, ServerFactory.forProtocol(Throws), { host: "127.0.0.1" });
      const { done } = await start(r);
      const address = await port.whenListening();
      const lost = deferred<Error>();
      const client = new ClientFactory();
      client.buildProtocol = () =>
        new (class extends Protocol {
          override connectionMade() {
            this.transport?.write("x");
          }
        })();
      client.clientConnectionLost = (_c, reason) => lost.resolve(reason);
      r.connectTCP("127.0.0.1", (address as { port: number }).port, client);
      await lost.promise;
      await r.deferToThread(jobs, "add", 1, 1);
      void r.stop();
      await done;
    } finally {
      for (const [ch, publish] of originals) (ch as { publish: unknown }).publish = publish;
    }
    expect(calls).toEqual([]);
  });
});
