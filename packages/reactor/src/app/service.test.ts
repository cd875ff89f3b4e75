import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { Echo } from "../../test/echo.js";
import type { TCPAddress } from "../core/address.js";
import { Factory } from "../core/factory.js";
import type { LogEvent } from "../core/logger.js";
import { nullLogger } from "../core/logger.js";
import { serverFromString } from "../endpoints/from-string.js";
import { createReactor } from "../node/reactor.js";
import { StreamServerEndpointService, TCPServer, TimerService } from "./internet-services.js";
import { attachService, MultiService, Service } from "./service.js";

class Recorder extends Service {
  constructor(
    name: string,
    readonly log: string[],
    readonly gate?: Promise<void>,
  ) {
    super();
    this.setName(name);
  }
  override async startService(): Promise<void> {
    this.log.push(`start ${this.name}`);
    super.startService();
    if (this.gate) await this.gate;
    this.log.push(`started ${this.name}`);
  }
  override async stopService(): Promise<void> {
    this.log.push(`stop ${this.name}`);
    super.stopService();
    if (this.gate) await this.gate;
    this.log.push(`stopped ${this.name}`);
  }
}

describe("Service / MultiService", () => {
  it("starts children in order (awaiting each) and stops them in reverse order", async () => {
    const log: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const app = new MultiService();
    new Recorder("a", log, gate).setServiceParent(app);
    new Recorder("b", log).setServiceParent(app);
    const started = app.startService();
    await Promise.resolve();
    expect(log).toEqual(["start a"]); // b waits for a
    open();
    await started;
    expect(log).toEqual(["start a", "started a", "start b", "started b"]);
    expect(app.running).toBe(true);
    log.length = 0;
    await app.stopService();
    expect(log).toEqual(["stop b", "stopped b", "stop a", "stopped a"]);
    expect([...app].every((s) => !s.running)).toBe(true);
  });

  it("names: duplicates refused, lookup, rename after parenting refused, removal stops a running child", async () => {
    const log: string[] = [];
    const app = new MultiService();
    const a = new Recorder("a", log);
    a.setServiceParent(app);
    expect(() => new Recorder("a", log).setServiceParent(app)).toThrow(
      expect.objectContaining({ code: "ERR_DUPLICATE_SERVICE" }),
    );
    expect(app.getServiceNamed("a")).toBe(a);
    expect(() => app.getServiceNamed("zz")).toThrow(
      expect.objectContaining({ code: "ERR_NO_SUCH_SERVICE" }),
    );
    expect(() => a.setName("x")).toThrow(expect.objectContaining({ code: "ERR_SERVICE_NAMED" }));
    await app.startService();
    await a.disownServiceParent();
    expect(a.running).toBe(false);
    expect(a.parent).toBeNull();
    const late = new Recorder("late", log);
    await late.setServiceParent(app); // adding to a running parent starts it
    expect(late.running).toBe(true);
  });

  it("stopService stops every child even if one fails, then reports the failure", async () => {
    const app = new MultiService();
    const log: string[] = [];
    const bad = new Service();
    bad.stopService = () => Promise.reject(new Error("stuck"));
    app.addService(new Recorder("first", log));
    app.addService(bad);
    await app.startService();
    bad.running = true;
    await expect(app.stopService()).rejects.toThrow("stuck");
    expect(log).toContain("stopped first");
  });
});

describe("attachService: services follow the reactor across runs", () => {
  it("a TCPServer listens on every run and is closed after every stop", async () => {
    const reactor = createReactor({ logger: nullLogger });
    const server = new TCPServer(reactor, 0, Factory.forProtocol(Echo), { host: "127.0.0.1" });
    const detach = attachService(reactor, server);
    for (let run = 0; run < 3; run++) {
      let echoed!: Promise<string>;
      reactor.callWhenRunning(() => {
        echoed = (async () => {
          const port = await server.whenListening();
          const { port: n } = port.getHost() as TCPAddress;
          const socket = connect(n, "127.0.0.1");
          socket.write(`run ${run}`);
          const text = await new Promise<string>((r) => socket.once("data", (d) => r(String(d))));
          socket.destroy();
          return text;
        })();
        const stop = () => void reactor.stop();
        void echoed.then(stop, stop);
      });
      await reactor.run();
      expect(await echoed).toBe(`run ${run}`);
      expect(server.running).toBe(false);
      expect(reactor.getResources()).toEqual([]);
    }
    detach();
    reactor.callWhenRunning(() => void reactor.stop());
    await reactor.run();
    expect(server.port).toBeNull(); // detached: not started any more
  });

  it("a TimerService ticks while running and comes back on the next run", async () => {
    const reactor = createReactor({ logger: nullLogger });
    let ticks = 0;
    const timer = new TimerService(1, () => {
      ticks++;
      if (ticks === 3) void reactor.stop();
    });
    timer.clock = reactor;
    attachService(reactor, timer);
    await reactor.run();
    expect(ticks).toBe(3);
    expect(timer.running).toBe(false);
    ticks = 0;
    await reactor.run();
    expect(ticks).toBe(3);
  });

  it("a StreamServerEndpointService logs a listen failure instead of throwing", async () => {
    const reactor = createReactor({ logger: nullLogger });
    const events: LogEvent[] = [];
    const first = new StreamServerEndpointService(
      serverFromString(reactor, "tcp:0:interface=127.0.0.1"),
      Factory.forProtocol(Echo),
    );
    attachService(reactor, first);
    let outcome!: Promise<unknown>;
    reactor.callWhenRunning(() => {
      outcome = (async () => {
        const port = await (first.listening as Promise<{ getHost(): unknown }>);
        const n = (port.getHost() as TCPAddress).port;
        const clash = new StreamServerEndpointService(
          serverFromString(reactor, `tcp:${n}:interface=127.0.0.1`),
          Factory.forProtocol(Echo),
          {
            logger: { emit: (e) => events.push(e) },
          },
        );
        clash.startService();
        await (clash.listening as Promise<unknown>).catch(() => {});
        await clash.stopService();
      })();
      void outcome.finally(() => reactor.stop());
    });
    await reactor.run();
    await outcome;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      level: "error",
      error: expect.objectContaining({ code: "ERR_CANNOT_LISTEN" }),
    });
  });
});
