import { ClientFactory, ConnectionDone, Factory, ServerFactory, tcpAddress } from "@lr/reactor";
import { settle } from "@lr/reactor/internal";
import { describe, expect, it } from "vitest";
import { AccumulatingProtocol } from "../transport/accumulating-protocol.js";
import { MemoryReactor, MemoryReactorClock } from "./memory-reactor.js";

class RecordingClientFactory extends ClientFactory {
  events: string[] = [];
  override startedConnecting(): void {
    this.events.push("started");
  }
  override clientConnectionFailed(_c: unknown, reason: Error): void {
    this.events.push(`failed ${(reason as { code?: string }).code}`);
  }
  override clientConnectionLost(_c: unknown, reason: Error): void {
    this.events.push(`lost ${(reason as { code?: string }).code}`);
  }
  override startFactory(): void {
    this.events.push("doStart");
  }
  override stopFactory(): void {
    this.events.push("doStop");
  }
}

describe("MemoryReactor: recording", () => {
  it("records listenTCP/listenUNIX calls and binds them when it runs", async () => {
    const reactor = new MemoryReactor();
    const factory = new ServerFactory();
    const port = reactor.listenTCP(9000, factory, { host: "127.0.0.1", backlog: 5 });
    const unix = reactor.listenUNIX("/tmp/x.sock", factory);
    expect(reactor.tcpServers).toEqual([
      { port: 9000, factory, host: "127.0.0.1", backlog: 5, listeningPort: port },
    ]);
    expect(reactor.unixServers[0]).toMatchObject({ path: "/tmp/x.sock", backlog: 50 });
    expect(() => port.getHost()).toThrow(expect.objectContaining({ code: "ERR_NOT_LISTENING" }));
    const stopped = reactor.run();
    await expect(port.whenListening()).resolves.toEqual(tcpAddress("127.0.0.1", 9000));
    await expect(unix.whenListening()).resolves.toEqual({ type: "UNIX", path: "/tmp/x.sock" });
    expect(factory.numPorts).toBe(2);
    await reactor.stop();
    await stopped;
    expect(factory.numPorts).toBe(0);
    expect(reactor.getResources()).toEqual([]);
  });

  it("validates ports like the real reactor", () => {
    const reactor = new MemoryReactor();
    expect(() => reactor.listenTCP(70000, new Factory())).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG" }),
    );
    expect(() => reactor.connectTCP("h", 0, new ClientFactory())).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG" }),
    );
  });

  it("records connectTCP; the test completes the attempt with succeed() and pumps bytes", async () => {
    const reactor = new MemoryReactorClock();
    const factory = new RecordingClientFactory();
    factory.protocol = AccumulatingProtocol;
    const connector = reactor.connectTCP("example.test", 25, factory, { timeoutMs: 1000 });
    expect(reactor.tcpClients[0]).toMatchObject({
      host: "example.test",
      port: 25,
      timeoutMs: 1000,
      connector,
    });
    expect(factory.events).toEqual(["doStart"]);
    void reactor.run();
    await Promise.resolve();
    await Promise.resolve();
    expect(factory.events).toEqual(["doStart", "started"]);
    const server = new AccumulatingProtocol();
    const pump = connector.succeed(server);
    expect(connector.state).toBe("connected");
    connector.transport?.write("EHLO");
    pump?.flush();
    expect(server.text()).toBe("EHLO");
    await reactor.stop();
    expect(factory.events).toEqual(["doStart", "started", "lost ERR_CONNECTION_DONE", "doStop"]);
    expect(server.closedReason).toBeInstanceOf(ConnectionDone);
  });

  it("fails an attempt on demand, or after its timeout in virtual time", async () => {
    const reactor = new MemoryReactorClock();
    const a = new RecordingClientFactory();
    const b = new RecordingClientFactory();
    const stopped = reactor.run();
    await reactor.runUntil(Promise.resolve());
    reactor.connectTCP("h", 1, a).fail();
    reactor.connectTCP("h", 2, b, { timeoutMs: 500 });
    reactor.advance(499);
    expect(b.events).toEqual(["doStart", "started"]);
    reactor.advance(1);
    expect(a.events).toEqual(["doStart", "started", "failed ERR_CONNECTION_REFUSED", "doStop"]);
    expect(b.events).toEqual(["doStart", "started", "failed ERR_CONNECT_TIMEOUT", "doStop"]);
    void reactor.stop();
    await stopped;
  });

  it("cancels connection attempts at stop", async () => {
    const reactor = new MemoryReactor();
    const factory = new RecordingClientFactory();
    void reactor.run();
    reactor.connectTCP("h", 1, factory);
    await reactor.stop();
    expect(factory.events.slice(-2)).toEqual(["failed ERR_CONNECTING_CANCELLED", "doStop"]);
    expect(reactor.tcpClients[0]?.connector.stoppedConnecting).toBe(true);
  });
});

describe("MemoryReactor: lifecycle", () => {
  it("goes through the real states and errors", async () => {
    const reactor = new MemoryReactor();
    expect(reactor.state).toBe("stopped");
    expect(() => reactor.stop()).toThrow(
      expect.objectContaining({ code: "ERR_REACTOR_NOT_RUNNING" }),
    );
    let release!: () => void;
    reactor.addSystemEventTrigger(
      "before",
      "startup",
      () => new Promise<void>((r) => (release = r)),
    );
    const stopped = reactor.run();
    expect([reactor.state, reactor.running]).toEqual(["starting", false]);
    await expect(reactor.run()).rejects.toMatchObject({ code: "ERR_REACTOR_ALREADY_RUNNING" });
    release();
    await settle();
    await new Promise((r) => setImmediate(r));
    expect([reactor.state, reactor.running]).toEqual(["running", true]);
    const stopping = reactor.stop();
    expect(reactor.state).toBe("stopping");
    expect(() => reactor.stop()).toThrow(
      expect.objectContaining({ code: "ERR_REACTOR_NOT_RUNNING" }),
    );
    await stopping;
    await stopped;
    expect([reactor.state, reactor.running, reactor.runs]).toEqual(["stopped", false, 1]);
  });

  it("honours a stop() requested while starting", async () => {
    const reactor = new MemoryReactor();
    const ran: string[] = [];
    reactor.callWhenRunning(() => ran.push("whenRunning"));
    const stopped = reactor.run();
    void reactor.stop();
    await stopped;
    expect(ran).toEqual(["whenRunning"]);
    expect(reactor.state).toBe("stopped");
  });

  it("cancels its own delayed calls at stop, not other reactors' on the same clock", async () => {
    const a = new MemoryReactorClock();
    const b = new MemoryReactorClock({ clock: a.clock });
    const ran: string[] = [];
    a.callLater(10, () => ran.push("a"));
    b.callLater(10, () => ran.push("b"));
    expect(a.getDelayedCalls()).toHaveLength(1);
    void a.run();
    await a.stop();
    expect(a.getDelayedCalls()).toEqual([]);
    a.advance(10);
    expect(ran).toEqual(["b"]);
  });
});

describe("MemoryReactor: thread jobs", () => {
  it("records jobs and lets the test settle them", async () => {
    const reactor = new MemoryReactor();
    void reactor.run();
    await settle();
    const p = reactor.deferToThread<number>("./job.js", "square", 7);
    const q = reactor.deferToThread("./job.js", "fail");
    const [j1, j2] = reactor.threadJobs;
    expect(j1).toMatchObject({
      module: "./job.js",
      exportName: "square",
      args: [7],
      state: "running",
    });
    j1?.resolve(49);
    j2?.reject(new Error("no"));
    await expect(p).resolves.toBe(49);
    await expect(q).rejects.toThrow("no");
    expect(() => j1?.resolve(1)).toThrow(expect.objectContaining({ code: "ERR_THREAD_JOB_STATE" }));
    await reactor.stop();
  });

  it("queues jobs submitted before run(), simulates their duration, cancels pending ones at stop", async () => {
    const reactor = new MemoryReactorClock();
    const early = reactor.deferToThread<string>("./job.js", "slow");
    const job = reactor.threadJobs[0];
    job?.completeAfter(5000, "done");
    expect(job?.state).toBe("queued");
    reactor.advance(10_000);
    expect(job?.state).toBe("queued");
    const stopped = reactor.run();
    const result = reactor.runUntil(early);
    await expect(result).resolves.toBe("done");
    expect(reactor.now()).toBe(15_000);
    const late = reactor.deferToThread("./job.js", "never");
    expect(reactor.getResources()).toEqual([
      { kind: "thread-job", description: "1 thread job(s) pending" },
    ]);
    void reactor.stop();
    await expect(late).rejects.toMatchObject({ code: "ERR_JOB_CANCELLED" });
    await stopped;
  });

  it("runs the onThreadJob hook for each job and honours AbortSignal", async () => {
    const reactor = new MemoryReactorClock({
      onThreadJob: (job) => job.completeAfter(100, job.args[0]),
    });
    void reactor.run();
    const a = reactor.deferToThread("./j.js", "f", "x");
    const controller = new AbortController();
    const b = reactor.runInThread({ module: "./j.js", exportName: "g", signal: controller.signal });
    controller.abort();
    await expect(b).rejects.toMatchObject({ code: "ERR_JOB_CANCELLED" });
    await expect(reactor.runUntil(a)).resolves.toBe("x");
    await reactor.stop();
  });
});
