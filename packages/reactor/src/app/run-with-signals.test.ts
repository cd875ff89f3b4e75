import { connect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TCPAddress } from "../core/address.js";
import { Factory } from "../core/factory.js";
import type { LogEvent } from "../core/logger.js";
import { Protocol } from "../core/protocol.js";
import { createReactor } from "../node/reactor.js";
import { TCPServer } from "./internet-services.js";
import { runWithSignals, type StopRequest } from "./run-with-signals.js";
import { Service } from "./service.js";

// Signals are delivered by emitting them to this process's own listeners (no real kill). Other
// listeners (the test runner's) are set aside meanwhile so only the code under test sees them.
const SIGNALS = ["SIGINT", "SIGTERM"] as const;
let saved: Map<string, NodeJS.SignalsListener[]>;
beforeEach(() => {
  saved = new Map();
  for (const s of SIGNALS) {
    saved.set(s, process.listeners(s) as NodeJS.SignalsListener[]);
    process.removeAllListeners(s);
  }
});
afterEach(() => {
  for (const s of SIGNALS) {
    process.removeAllListeners(s);
    for (const l of saved.get(s) ?? []) process.on(s, l);
  }
});

function signal(name: NodeJS.Signals): void {
  process.emit(name as "SIGINT", name);
}

/** Says goodbye on close: proves connections are closed with a flush, not cut. */
class Greeter extends Protocol {
  override connectionMade(): void {
    this.transport?.write("hello\n");
  }
}

describe("runWithSignals", () => {
  it("first SIGTERM: graceful stop (stop listening, flush, close), exit code 0, listeners removed", async () => {
    const events: LogEvent[] = [];
    const reactor = createReactor({ logger: { emit: (e) => events.push(e) } });
    const server = new TCPServer(reactor, 0, Factory.forProtocol(Greeter), { host: "127.0.0.1" });
    let clientText!: Promise<string>;
    reactor.callWhenRunning(() => {
      clientText = (async () => {
        const port = await server.whenListening();
        const { port: n } = port.getHost() as TCPAddress;
        const socket = connect(n, "127.0.0.1");
        let text = "";
        socket.on("data", (d) => (text += String(d)));
        await new Promise<void>((r) => socket.once("data", () => r()));
        const ended = new Promise<string>((r) => socket.once("close", () => r(text)));
        signal("SIGTERM");
        return ended;
      })();
    });
    const code = await runWithSignals(reactor, {
      services: [server],
      shutdownTimeoutMs: 10_000,
      setProcessExitCode: false,
    });
    expect(code).toBe(0);
    expect(await clientText).toBe("hello\n");
    expect(server.running).toBe(false);
    expect(reactor.state).toBe("stopped");
    expect(reactor.getResources()).toEqual([]);
    for (const s of SIGNALS) expect(process.listenerCount(s)).toBe(0);
    expect(events.some((e) => e.message.includes("Received SIGTERM"))).toBe(true);
  });

  it("a second signal stops at once, even while a service's stop hangs: exit code 1", async () => {
    const reactor = createReactor({ logger: { emit: () => {} } });
    const stuck = new Service();
    let stopAsked = false;
    stuck.stopService = () => {
      stopAsked = true;
      return new Promise<void>(() => {}); // never settles
    };
    reactor.callWhenRunning(() => {
      signal("SIGINT");
      // The graceful stop is now waiting on the stuck service; the second signal must end it.
      setImmediate(() => signal("SIGINT"));
    });
    const requests: StopRequest[] = [];
    const code = await runWithSignals(reactor, {
      services: stuck,
      setProcessExitCode: false,
      onStopRequest: (r) => requests.push(r),
    });
    expect(stopAsked).toBe(true);
    expect(code).toBe(1);
    expect(requests).toEqual([
      { signal: "SIGINT", count: 1, immediate: false },
      { signal: "SIGINT", count: 2, immediate: true },
    ]);
    expect(reactor.state).toBe("stopped");
  });

  it("the graceful stop is bounded by shutdownTimeoutMs, then forced (exit code 1)", async () => {
    const reactor = createReactor({ logger: { emit: () => {} } });
    const stuck = new Service();
    stuck.stopService = () => new Promise<void>(() => {});
    reactor.callWhenRunning(() => signal("SIGTERM"));
    const requests: StopRequest[] = [];
    const code = await runWithSignals(reactor, {
      services: [stuck],
      shutdownTimeoutMs: 20,
      setProcessExitCode: false,
      onStopRequest: (r) => requests.push(r),
    });
    expect(code).toBe(1);
    expect(requests).toEqual([
      { signal: "SIGTERM", count: 1, immediate: false },
      { signal: null, count: 1, immediate: true },
    ]);
  });

  it("a stop by the program itself is clean (0), sets process.exitCode, and services come back on the next call", async () => {
    const reactor = createReactor({ logger: { emit: () => {} } });
    let starts = 0;
    const svc = new Service();
    svc.startService = () => {
      starts++;
      svc.running = true;
      void reactor.stop();
    };
    const previous = process.exitCode;
    try {
      process.exitCode = 7;
      expect(await runWithSignals(reactor, { services: svc })).toBe(0);
      expect(process.exitCode).toBe(0);
    } finally {
      process.exitCode = previous;
    }
    expect(await runWithSignals(reactor, { services: svc, setProcessExitCode: false })).toBe(0);
    expect(starts).toBe(2);
  });
});
