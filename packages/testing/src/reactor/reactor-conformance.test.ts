/**
 * One behavioural suite, run against the real `@lr/reactor` Reactor (real sockets on 127.0.0.1) and
 * against MemoryReactorClock on a MemoryNetwork, so the double cannot drift from the real thing
 * (Twisted's ReactorBuilder idea). Tests only say "wait until this Promise settles"; each builder
 * decides how time moves: the real reactor just waits for the event, the memory one drives its clock.
 */
import {
  type Address,
  ClientFactory,
  ConnectionDone,
  ConnectionLost,
  type Connector,
  createReactor,
  Factory,
  type LogEvent,
  type ReactorLike,
  type ReactorResource,
  TransportStateError,
} from "@lr/reactor";
import { describe, expect, it } from "vitest";
import { MemoryNetwork } from "../network/memory-network.js";
import { AccumulatingProtocol } from "../transport/accumulating-protocol.js";
import { assertReactorClean } from "./dirty-reactor.js";

interface Harness {
  readonly reactor: ReactorLike & { getResources(): readonly ReactorResource[] };
  /** Lets time pass until `promise` settles, and returns its outcome. */
  until<T>(promise: PromiseLike<T>): Promise<T>;
  readonly logged: LogEvent[];
}

interface ReactorBuilder {
  readonly name: string;
  create(): Harness;
}

const builders: ReactorBuilder[] = [
  {
    name: "real Reactor",
    create() {
      const logged: LogEvent[] = [];
      const reactor = createReactor({ logger: { emit: (e) => logged.push(e) } });
      return { reactor, logged, until: (p) => Promise.resolve(p) };
    },
  },
  {
    name: "MemoryReactorClock",
    create() {
      const network = new MemoryNetwork();
      const reactor = network.createReactor();
      return { reactor, logged: reactor.loggedEvents, until: (p) => network.runUntil(p) };
    },
  },
];

function later(reactor: ReactorLike, ms: number): Promise<void> {
  return new Promise((resolve) => reactor.callLater(ms, resolve));
}

/** The `[callback, error message]` of each "Unhandled error in <callback>" event logged. */
function callbackErrors(logged: readonly LogEvent[]): [string, string][] {
  return logged
    .filter((e) => e.context?.callback !== undefined)
    .map((e) => [String(e.context?.callback), (e.error as Error | undefined)?.message ?? ""]);
}

function portOf(address: Address): number {
  if (address.type !== "TCP") throw new Error("expected a TCP address");
  return address.port;
}

/** A client factory that keeps its protocols and what happened to its connector. */
function clientFactory() {
  const protocols: AccumulatingProtocol[] = [];
  const events: string[] = [];
  let failed!: (reason: Error) => void;
  const whenFailed = new Promise<Error>((r) => (failed = r));
  let lost!: (reason: Error) => void;
  const whenLost = new Promise<Error>((r) => (lost = r));
  let first!: (p: AccumulatingProtocol) => void;
  const whenFirst = new Promise<AccumulatingProtocol>((r) => (first = r));
  const factory = new ClientFactory();
  factory.buildProtocol = () => {
    const p = new AccumulatingProtocol();
    protocols.push(p);
    first(p);
    return p;
  };
  factory.clientConnectionFailed = (_c, reason) => {
    events.push(`failed ${(reason as { code?: string }).code}`);
    failed(reason);
  };
  factory.clientConnectionLost = (_c, reason) => {
    events.push(`lost ${(reason as { code?: string }).code}`);
    lost(reason);
  };
  return { factory, protocols, events, whenFailed, whenLost, whenFirst };
}

/** A server factory whose first protocol can be awaited. */
function serverFactory() {
  const protocols: AccumulatingProtocol[] = [];
  let first!: (p: AccumulatingProtocol) => void;
  const whenFirst = new Promise<AccumulatingProtocol>((r) => (first = r));
  const factory = new Factory();
  factory.buildProtocol = () => {
    const p = new AccumulatingProtocol();
    protocols.push(p);
    first(p);
    return p;
  };
  return { factory, protocols, whenFirst };
}

for (const builder of builders) {
  describe(`reactor conformance: ${builder.name}`, () => {
    it("lifecycle: states, errors, run() resolving at stop", async () => {
      const { reactor, until } = builder.create();
      expect(reactor.state).toBe("stopped");
      expect(() => reactor.stop()).toThrow(
        expect.objectContaining({ code: "ERR_REACTOR_NOT_RUNNING" }),
      );
      const states: string[] = [];
      reactor.callWhenRunning(() => states.push(`${reactor.state}/${reactor.running}`));
      const stopped = reactor.run();
      await expect(reactor.run()).rejects.toMatchObject({ code: "ERR_REACTOR_ALREADY_RUNNING" });
      await until(later(reactor, 5));
      expect(states).toEqual(["running/true"]);
      const stopping = reactor.stop();
      expect(reactor.state).toBe("stopping");
      expect(() => reactor.stop()).toThrow(
        expect.objectContaining({ code: "ERR_REACTOR_NOT_RUNNING" }),
      );
      await until(stopping);
      await stopped;
      expect([reactor.state, reactor.running]).toEqual(["stopped", false]);
      assertReactorClean(reactor);
    });

    it("restart: the same reactor runs 3 times; triggers persist, callWhenRunning is one-shot", async () => {
      const { reactor, until } = builder.create();
      const log: string[] = [];
      reactor.addSystemEventTrigger("before", "startup", () => log.push("before startup"));
      reactor.addSystemEventTrigger("after", "shutdown", () => log.push("after shutdown"));
      reactor.callWhenRunning(() => log.push("whenRunning once"));
      for (let i = 0; i < 3; i++) {
        reactor.callLater(2, () => {
          log.push(`timer ${i}`);
          void reactor.stop();
        });
        await until(reactor.run());
      }
      expect(log).toEqual([
        "before startup",
        "whenRunning once",
        "timer 0",
        "after shutdown",
        "before startup",
        "timer 1",
        "after shutdown",
        "before startup",
        "timer 2",
        "after shutdown",
      ]);
      assertReactorClean(reactor);
    });

    it("stop() from callWhenRunning shuts down after startup", async () => {
      const { reactor, until } = builder.create();
      reactor.callWhenRunning(() => reactor.stop());
      await until(reactor.run());
      expect(reactor.state).toBe("stopped");
    });

    it("timers: by due time, ties in scheduling order, cancel, and calls made by a call run after it", async () => {
      const { reactor, until } = builder.create();
      const order: string[] = [];
      const stopped = reactor.run();
      reactor.callLater(12, () => order.push("c"));
      reactor.callLater(6, () => {
        order.push("a1");
        reactor.callLater(0, () => order.push("from a1"));
      });
      reactor.callLater(6, () => order.push("a2"));
      reactor.callLater(8, () => order.push("cancelled")).cancel();
      const moved = reactor.callLater(1, () => order.push("b"));
      moved.delay(8);
      await until(later(reactor, 20));
      // Where "from a1" lands relative to b and c depends on how late the real timer fired (a call
      // made during a pass waits for the next pass), so only the orders both reactors promise are checked.
      expect(order.filter((x) => x !== "from a1")).toEqual(["a1", "a2", "b", "c"]);
      expect(order.indexOf("from a1")).toBeGreaterThan(order.indexOf("a2"));
      expect(moved.active()).toBe(false);
      void reactor.stop();
      await until(stopped);
    });

    it("time: now() is monotonic in ms and a call sees at least its delay", async () => {
      const { reactor, until } = builder.create();
      const stopped = reactor.run();
      const start = reactor.now();
      const call = reactor.callLater(10, () => {});
      expect(call.getTime()).toBeCloseTo(start + 10, 0);
      await until(later(reactor, 10));
      expect(reactor.now() - start).toBeGreaterThanOrEqual(10);
      expect(reactor.seconds()).toBeCloseTo(reactor.now() / 1000, 2);
      void reactor.stop();
      await until(stopped);
    });

    it("calls scheduled while stopped run after the next run(); pending calls are cancelled by stop()", async () => {
      const { reactor, until } = builder.create();
      const ran: string[] = [];
      reactor.callLater(1, () => ran.push("early"));
      const stopped = reactor.run();
      await until(later(reactor, 5));
      expect(ran).toEqual(["early"]);
      const pending = reactor.callLater(60_000, () => ran.push("never"));
      expect(reactor.getDelayedCalls()).toContain(pending);
      void reactor.stop();
      await until(stopped);
      expect(pending.active()).toBe(false);
      expect(reactor.getDelayedCalls()).toEqual([]);
      assertReactorClean(reactor);
    });

    it("system events: before (awaited), during, after; removal; errors are logged and do not stop the firing", async () => {
      const { reactor, until, logged } = builder.create();
      const log: string[] = [];
      reactor.addSystemEventTrigger("after", "custom", () => log.push("after"));
      reactor.addSystemEventTrigger("during", "custom", () => {
        throw new Error("trigger failure");
      });
      reactor.addSystemEventTrigger("during", "custom", () => log.push("during"));
      reactor.addSystemEventTrigger("before", "custom", () =>
        later(reactor, 3).then(() => log.push("before")),
      );
      const removed = reactor.addSystemEventTrigger("before", "custom", () => log.push("removed"));
      reactor.removeSystemEventTrigger(removed);
      expect(() => reactor.removeSystemEventTrigger(removed)).toThrow(
        expect.objectContaining({ code: "ERR_TRIGGER_NOT_FOUND" }),
      );
      const stopped = reactor.run();
      await until(reactor.fireSystemEvent("custom"));
      expect(log).toEqual(["before", "during", "after"]);
      expect(logged.filter((e) => e.level === "error")).toHaveLength(1);
      void reactor.stop();
      await until(stopped);
    });

    it("connections: listen, connect, exchange bytes, clean close seen by both sides", async () => {
      const { reactor, until } = builder.create();
      const server = serverFactory();
      const client = clientFactory();
      const stopped = reactor.run();
      const port = reactor.listenTCP(0, server.factory, { host: "127.0.0.1" });
      const address = await until(port.whenListening());
      const connector = reactor.connectTCP("127.0.0.1", portOf(address), client.factory);
      const serverProtocol = await until(server.whenFirst);
      await until(serverProtocol.whenMade);
      const clientProtocol = await until(client.whenFirst);
      await until(clientProtocol.whenMade);
      expect(connector.state).toBe("connected");
      expect(serverProtocol.transport?.getPeer()).toMatchObject({ type: "TCP", host: "127.0.0.1" });
      clientProtocol.transport?.write("hello ");
      clientProtocol.transport?.write("server");
      const echoed = new Promise<void>((resolve) => {
        const check = () =>
          serverProtocol.text() === "hello server" ? resolve() : reactor.callLater(1, check);
        check();
      });
      await until(echoed);
      serverProtocol.transport?.write("bye");
      serverProtocol.transport?.loseConnection();
      const [serverReason, clientReason] = await until(
        Promise.all([serverProtocol.whenClosed, clientProtocol.whenClosed]),
      );
      expect(serverReason).toBeInstanceOf(ConnectionDone);
      expect(clientReason).toBeInstanceOf(ConnectionDone);
      expect(clientProtocol.text()).toBe("bye");
      await until(client.whenLost);
      expect(client.events).toEqual(["lost ERR_CONNECTION_DONE"]);
      expect(connector.state).toBe("disconnected");
      expect(server.factory.numPorts).toBe(1);
      await until(port.stopListening());
      expect(server.factory.numPorts).toBe(0);
      void reactor.stop();
      await until(stopped);
      assertReactorClean(reactor);
    });

    it("connections: refused when nothing listens", async () => {
      const { reactor, until } = builder.create();
      const stopped = reactor.run();
      const port = reactor.listenTCP(0, new Factory(), { host: "127.0.0.1" });
      const free = portOf(await until(port.whenListening()));
      await until(port.stopListening());
      const client = clientFactory();
      reactor.connectTCP("127.0.0.1", free, client.factory);
      const reason = await until(client.whenFailed);
      expect(reason).toMatchObject({ code: "ERR_CONNECTION_REFUSED" });
      expect(client.protocols).toEqual([]);
      void reactor.stop();
      await until(stopped);
      assertReactorClean(reactor);
    });

    it("connections: abortConnection gives ConnectionAborted here and an unclean loss there", async () => {
      const { reactor, until } = builder.create();
      const server = serverFactory();
      const client = clientFactory();
      const stopped = reactor.run();
      const port = reactor.listenTCP(0, server.factory, { host: "127.0.0.1" });
      reactor.connectTCP("127.0.0.1", portOf(await until(port.whenListening())), client.factory);
      const serverProtocol = await until(server.whenFirst);
      await until(serverProtocol.whenMade);
      const clientProtocol = await until(client.whenFirst);
      await until(clientProtocol.whenMade);
      clientProtocol.transport?.abortConnection();
      const [clientReason, serverReason] = await until(
        Promise.all([clientProtocol.whenClosed, serverProtocol.whenClosed]),
      );
      expect(clientReason).toMatchObject({ code: "ERR_CONNECTION_ABORTED" });
      expect(serverReason).toBeInstanceOf(ConnectionLost);
      expect(serverReason).not.toBeInstanceOf(ConnectionDone);
      void reactor.stop();
      await until(stopped);
      assertReactorClean(reactor);
    });

    it("stop() closes listeners and open connections cleanly, and the reactor can run again", async () => {
      const { reactor, until } = builder.create();
      const server = serverFactory();
      const client = clientFactory();
      const stopped = reactor.run();
      const port = reactor.listenTCP(0, server.factory, { host: "127.0.0.1" });
      reactor.connectTCP("127.0.0.1", portOf(await until(port.whenListening())), client.factory);
      const serverProtocol = await until(server.whenFirst);
      await until(serverProtocol.whenMade);
      const clientProtocol = await until(client.whenFirst);
      await until(clientProtocol.whenMade);
      void reactor.stop();
      await until(stopped);
      expect(serverProtocol.closedReason).toBeInstanceOf(ConnectionDone);
      expect(clientProtocol.closedReason).toBeInstanceOf(ConnectionDone);
      expect(server.factory.numPorts).toBe(0);
      assertReactorClean(reactor);
      reactor.callLater(1, () => reactor.stop());
      await until(reactor.run());
      assertReactorClean(reactor);
    });

    it("connectTCP before run() starts connecting at startup", async () => {
      const { reactor, until } = builder.create();
      const probe = reactor.listenTCP(0, new Factory(), { host: "127.0.0.1" });
      const server = serverFactory();
      const client = clientFactory();
      const first = reactor.run();
      const free = portOf(await until(probe.whenListening()));
      await until(probe.stopListening());
      void reactor.stop();
      await until(first);
      // Now, while stopped: listen and connect; nothing happens until run().
      reactor.listenTCP(free, server.factory, { host: "127.0.0.1" });
      const connector = reactor.connectTCP("127.0.0.1", free, client.factory);
      expect(connector.state).toBe("connecting");
      const stopped = reactor.run();
      const serverProtocol = await until(server.whenFirst);
      await until(serverProtocol.whenMade);
      void reactor.stop();
      await until(stopped);
      assertReactorClean(reactor);
    });

    // ------------------------------------------------ the cases where the two reactors once drifted

    it("connector: a factory whose doStart/doStop throw is reported; connectTCP returns, the session goes on", async () => {
      const { reactor, until, logged } = builder.create();
      const server = serverFactory();
      const client = clientFactory();
      client.factory.doStart = () => {
        throw new Error("doStart failed");
      };
      client.factory.doStop = () => {
        throw new Error("doStop failed");
      };
      const stopped = reactor.run();
      const port = reactor.listenTCP(0, server.factory, { host: "127.0.0.1" });
      const address = await until(port.whenListening());
      let connector: Connector | undefined;
      expect(() => {
        connector = reactor.connectTCP("127.0.0.1", portOf(address), client.factory);
      }).not.toThrow();
      const clientProtocol = await until(client.whenFirst);
      await until(clientProtocol.whenMade);
      expect(connector?.state).toBe("connected");
      connector?.disconnect();
      await until(client.whenLost);
      expect(connector?.state).toBe("disconnected");
      expect(callbackErrors(logged)).toEqual([
        ["ClientFactory.doStart", "doStart failed"],
        ["ClientFactory.doStop", "doStop failed"],
      ]);
      void reactor.stop();
      await until(stopped);
      assertReactorClean(reactor);
    });

    it("port: a factory whose doStart/doStop throw is reported; the port listens, stopListening() settles, nothing is uncaught", async () => {
      const { reactor, until, logged } = builder.create();
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.on("uncaughtException", onUncaught);
      try {
        const factory = new Factory();
        factory.doStart = () => {
          throw new Error("doStart failed");
        };
        factory.doStop = () => {
          throw new Error("doStop failed");
        };
        const stopped = reactor.run();
        const port = reactor.listenTCP(0, factory, { host: "127.0.0.1" });
        await until(port.whenListening());
        const listeners = () => reactor.getResources().filter((r) => r.kind === "listener");
        expect(listeners()).toHaveLength(1);
        await until(port.stopListening());
        expect(listeners()).toEqual([]);
        expect(callbackErrors(logged)).toEqual([
          ["Factory.doStart", "doStart failed"],
          ["Factory.doStop", "doStop failed"],
        ]);
        void reactor.stop();
        await until(stopped);
        assertReactorClean(reactor);
        // An uncaught exception would arrive on a later turn: give it a few.
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
        expect(uncaught).toEqual([]);
      } finally {
        process.off("uncaughtException", onUncaught);
      }
    });

    it("callWhenRunning: a removed callback never runs; its id is gone once removed or run", async () => {
      const { reactor, until } = builder.create();
      const ran: string[] = [];
      const notFound = expect.objectContaining({ code: "ERR_TRIGGER_NOT_FOUND" });
      const a = reactor.callWhenRunning(() => ran.push("a"));
      const b = reactor.callWhenRunning(() => ran.push("b"));
      if (!a || !b) throw new Error("callWhenRunning returns an id while the reactor is stopped");
      reactor.removeSystemEventTrigger(a);
      expect(() => reactor.removeSystemEventTrigger(a)).toThrow(notFound);
      const stopped = reactor.run();
      await until(later(reactor, 1));
      expect(ran).toEqual(["b"]);
      expect(() => reactor.removeSystemEventTrigger(b)).toThrow(notFound);
      expect(reactor.callWhenRunning(() => ran.push("now"))).toBeUndefined();
      expect(ran).toEqual(["b", "now"]);
      void reactor.stop();
      await until(stopped);
      reactor.callLater(1, () => reactor.stop());
      await until(reactor.run());
      expect(ran).toEqual(["b", "now"]);
      assertReactorClean(reactor);
    });

    it("registerProducer twice: TransportStateError (ERR_TRANSPORT_STATE)", async () => {
      const { reactor, until } = builder.create();
      const server = serverFactory();
      const client = clientFactory();
      const stopped = reactor.run();
      const port = reactor.listenTCP(0, server.factory, { host: "127.0.0.1" });
      const address = await until(port.whenListening());
      reactor.connectTCP("127.0.0.1", portOf(address), client.factory);
      const clientProtocol = await until(client.whenFirst);
      await until(clientProtocol.whenMade);
      const transport = clientProtocol.transport;
      if (!transport) throw new Error("no transport after connectionMade");
      const producer = { resumeProducing() {}, stopProducing() {} };
      transport.registerProducer(producer, true);
      let error: unknown;
      try {
        transport.registerProducer(producer, true);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TransportStateError);
      expect(error).toMatchObject({ code: "ERR_TRANSPORT_STATE" });
      transport.unregisterProducer();
      void reactor.stop();
      await until(stopped);
      assertReactorClean(reactor);
    });
  });
}
