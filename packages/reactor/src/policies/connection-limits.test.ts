import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Echo } from "../../test/echo.js";
import type { Address, TCPAddress } from "../core/address.js";
import { ConnectionDone } from "../core/errors.js";
import { Factory } from "../core/factory.js";
import type { LogEvent } from "../core/logger.js";
import { nullLogger } from "../core/logger.js";
import { Protocol } from "../core/protocol.js";
import { createReactor, type Reactor } from "../node/reactor.js";
import { LimitConnectionsFactory } from "./connection-limits.js";

const peer = (host: string): Address => ({ type: "TCP", family: "IPv4", host, port: 1234 });

class HalfCloser extends Protocol {
  readConnectionLost(): void {}
}

describe("LimitConnectionsFactory (no I/O)", () => {
  it("refuses past the total limit and logs, and frees a slot on connectionLost", () => {
    const events: LogEvent[] = [];
    const f = new LimitConnectionsFactory(Factory.forProtocol(Protocol), {
      maxConnections: 2,
      logger: { emit: (e) => events.push(e) },
    });
    const a = f.buildProtocol(peer("10.0.0.1"));
    const b = f.buildProtocol(peer("10.0.0.2"));
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(f.buildProtocol(peer("10.0.0.3"))).toBeNull();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      level: "warn",
      message: expect.stringContaining("10.0.0.3"),
    });
    a?.connectionLost(new ConnectionDone());
    a?.connectionLost(new ConnectionDone()); // a second report does not free two slots
    expect(f.openConnections).toBe(1);
    expect(f.buildProtocol(peer("10.0.0.3"))).not.toBeNull();
    expect(f.buildProtocol(peer("10.0.0.4"))).toBeNull();
  });

  it("refuses past the per-peer limit only for that peer", () => {
    const f = new LimitConnectionsFactory(Factory.forProtocol(Protocol), {
      maxConnectionsPerPeer: 1,
      logger: nullLogger,
    });
    const first = f.buildProtocol(peer("10.0.0.1"));
    expect(f.buildProtocol(peer("10.0.0.1"))).toBeNull();
    expect(f.buildProtocol(peer("10.0.0.2"))).not.toBeNull();
    expect(f.connectionsFrom("10.0.0.1")).toBe(1);
    first?.connectionLost(new ConnectionDone());
    expect(f.connectionsFrom("10.0.0.1")).toBe(0);
    expect(f.buildProtocol(peer("10.0.0.1"))).not.toBeNull();
  });

  it("offers half-close callbacks only when the wrapped protocol has them; forwards doStart/doStop", () => {
    const plain = new LimitConnectionsFactory(Factory.forProtocol(Protocol), {
      logger: nullLogger,
    }).buildProtocol(peer("a"));
    const half = new LimitConnectionsFactory(Factory.forProtocol(HalfCloser), {
      logger: nullLogger,
    }).buildProtocol(peer("a"));
    expect(plain?.readConnectionLost).toBeUndefined();
    expect(typeof half?.readConnectionLost).toBe("function");
    const inner = Factory.forProtocol(Protocol);
    const f = new LimitConnectionsFactory(inner, { logger: nullLogger });
    f.doStart();
    expect(inner.numPorts).toBe(1);
    f.doStop();
    expect(inner.numPorts).toBe(0);
  });

  it("rejects bad limits", () => {
    expect(
      () => new LimitConnectionsFactory(Factory.forProtocol(Protocol), { maxConnections: 0 }),
    ).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG" }));
  });
});

describe("LimitConnectionsFactory on real sockets", () => {
  let reactor: Reactor;
  afterEach(async () => {
    if (reactor && reactor.state !== "stopped") await reactor.stop();
  });

  it("the refused connection is closed, the admitted one keeps working", async () => {
    reactor = createReactor({ logger: nullLogger });
    const events: LogEvent[] = [];
    const factory = new LimitConnectionsFactory(Factory.forProtocol(Echo), {
      maxConnections: 1,
      logger: { emit: (e) => events.push(e) },
    });
    let outcome!: Promise<{ refusedClosed: boolean; echoed: string }>;
    reactor.callWhenRunning(() => {
      outcome = (async () => {
        const port = reactor.listenTCP(0, factory, { host: "127.0.0.1" });
        const { port: n } = (await port.whenListening()) as TCPAddress;
        const first = connect(n, "127.0.0.1");
        await new Promise((r) => first.once("connect", r));
        const echoed = new Promise<string>((r) => first.once("data", (d) => r(String(d))));
        // Make sure the server has accepted the first before the second arrives.
        first.write("a");
        await echoed;
        const second = connect(n, "127.0.0.1");
        second.on("error", () => {});
        const refusedClosed = await new Promise<boolean>((r) =>
          second.once("close", () => r(true)),
        );
        const again = new Promise<string>((r) => first.once("data", (d) => r(String(d))));
        first.write("still here");
        const text = await again;
        first.destroy();
        return { refusedClosed, echoed: text };
      })();
      const stop = () => void reactor.stop();
      void outcome.then(stop, stop);
    });
    await reactor.run();
    expect(await outcome).toEqual({ refusedClosed: true, echoed: "still here" });
    expect(events.filter((e) => e.level === "warn")).toHaveLength(1);
  });
});
