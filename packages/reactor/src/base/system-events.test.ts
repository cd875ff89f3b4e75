import { describe, expect, it } from "vitest";
import { deferred, start, testReactor } from "../../test/helpers.js";
import type { TriggerId } from "../core/interfaces.js";

function throwCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe("system event triggers", () => {
  it("fire in Twisted's observed order for startup and shutdown", async () => {
    const r = testReactor();
    const order: string[] = [];
    const log = (label: string) => () => order.push(`${label}(${r.running})`);
    for (const event of ["startup", "shutdown"]) {
      // registered out of phase order on purpose: the phase decides, then registration order
      r.addSystemEventTrigger("after", event, log(`${event}-after`));
      r.addSystemEventTrigger("during", event, log(`${event}-during`));
      r.addSystemEventTrigger("before", event, log(`${event}-before`));
      r.addSystemEventTrigger("before", event, log(`${event}-before2`));
    }
    r.callWhenRunning(() => {
      order.push("whenRunning");
      r.callLater(0, () => order.push("callLater0"));
      void r.stop();
    });
    await r.run();
    expect(order).toEqual([
      "startup-before(false)",
      "startup-before2(false)",
      "startup-during(true)",
      "startup-after(true)",
      "whenRunning",
      "callLater0",
      "shutdown-before(true)",
      "shutdown-before2(true)",
      "shutdown-during(false)",
      "shutdown-after(false)",
    ]);
  });

  it("keeps triggers registered across runs until removed", async () => {
    const r = testReactor();
    let startups = 0;
    let shutdowns = 0;
    const a = r.addSystemEventTrigger("after", "startup", () => startups++);
    const b = r.addSystemEventTrigger("during", "shutdown", () => shutdowns++);
    for (let i = 0; i < 3; i++) {
      const { done } = await start(r);
      await r.stop();
      await done;
    }
    expect([startups, shutdowns]).toEqual([3, 3]);
    r.removeSystemEventTrigger(a);
    r.removeSystemEventTrigger(b);
    const { done } = await start(r);
    await r.stop();
    await done;
    expect([startups, shutdowns]).toEqual([3, 3]);
  });

  it("removeSystemEventTrigger throws ERR_TRIGGER_NOT_FOUND for a removed, foreign or malformed id", () => {
    const r = testReactor();
    const other = testReactor();
    const id = r.addSystemEventTrigger("before", "shutdown", () => {});
    r.removeSystemEventTrigger(id);
    expect(throwCode(() => r.removeSystemEventTrigger(id))).toBe("ERR_TRIGGER_NOT_FOUND");
    const foreign = other.addSystemEventTrigger("before", "shutdown", () => {});
    expect(throwCode(() => r.removeSystemEventTrigger(foreign))).toBe("ERR_TRIGGER_NOT_FOUND");
    expect(
      throwCode(() => r.removeSystemEventTrigger({ event: "shutdown", phase: "before" })),
    ).toBe("ERR_TRIGGER_NOT_FOUND");
    expect(throwCode(() => r.removeSystemEventTrigger(null as unknown as TriggerId))).toBe(
      "ERR_TRIGGER_NOT_FOUND",
    );
  });

  it("rejects an invalid phase with ERR_INVALID_PHASE", () => {
    const r = testReactor();
    expect(
      throwCode(() => r.addSystemEventTrigger("middle" as "before", "startup", () => {})),
    ).toBe("ERR_INVALID_PHASE");
  });

  it("a trigger removed before its turn does not run; one added to a firing phase runs in that firing", async () => {
    const r = testReactor();
    const order: string[] = [];
    let second: TriggerId | null = null;
    r.addSystemEventTrigger("before", "custom", () => {
      order.push("first");
      if (second) r.removeSystemEventTrigger(second);
      r.addSystemEventTrigger("before", "custom", () => order.push("added"));
    });
    second = r.addSystemEventTrigger("before", "custom", () => order.push("second"));
    await r.fireSystemEvent("custom");
    expect(order).toEqual(["first", "added"]);
  });

  it("fires custom events while stopped; unknown events are a no-op", async () => {
    const r = testReactor();
    const order: string[] = [];
    r.addSystemEventTrigger("during", "reload", () => order.push("during"));
    r.addSystemEventTrigger("before", "reload", () => order.push("before"));
    await r.fireSystemEvent("reload");
    await r.fireSystemEvent("nothing-registered");
    expect(order).toEqual(["before", "during"]);
  });

  it("logs a throwing trigger and runs the others", async () => {
    const r = testReactor();
    const order: string[] = [];
    r.addSystemEventTrigger("before", "shutdown", () => {
      throw new Error("trigger failed");
    });
    r.addSystemEventTrigger("before", "shutdown", () => order.push("next"));
    r.addSystemEventTrigger("after", "shutdown", () => order.push("after"));
    r.callWhenRunning(() => r.stop());
    await r.run();
    expect(order).toEqual(["next", "after"]);
    expect(
      r.logged.some((e) => e.level === "error" && (e.error as Error).message === "trigger failed"),
    ).toBe(true);
  });

  it("awaits a Promise from a before-shutdown trigger while the reactor keeps running", async () => {
    const r = testReactor();
    const order: string[] = [];
    r.addSystemEventTrigger("before", "shutdown", () => {
      const d = deferred();
      // the reactor still runs timers while the before phase is pending
      r.callLater(5, () => {
        order.push(`timer ran, running=${r.running}`);
        d.resolve();
      });
      return d.promise;
    });
    r.addSystemEventTrigger("during", "shutdown", () => order.push("during"));
    r.callWhenRunning(() => r.stop());
    await r.run();
    expect(order).toEqual(["timer ran, running=true", "during"]);
  });

  it("goes on after triggerTimeoutMs when a before-shutdown Promise never settles, and logs it", async () => {
    const r = testReactor({ triggerTimeoutMs: 30 });
    const order: string[] = [];
    const id = r.addSystemEventTrigger("before", "shutdown", () => new Promise(() => {}));
    r.addSystemEventTrigger("during", "shutdown", () => order.push("during"));
    r.callWhenRunning(() => r.stop());
    const t0 = performance.now();
    await r.run();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(order).toEqual(["during"]);
    expect(
      r.logged.some(
        (e) => e.level === "warn" && e.context?.event === "shutdown" && e.context.pending === 1,
      ),
    ).toBe(true);
    r.removeSystemEventTrigger(id);
  });

  it("a rejected before-shutdown Promise is logged and does not stop the shutdown", async () => {
    const r = testReactor();
    r.addSystemEventTrigger("before", "shutdown", async () => {
      throw new Error("rejected");
    });
    r.callWhenRunning(() => r.stop());
    await r.run();
    expect(r.state).toBe("stopped");
    expect(r.logged.some((e) => (e.error as Error | undefined)?.message === "rejected")).toBe(true);
  });

  it("in during/after-shutdown triggers, running is false and every port is gone", async () => {
    const r = testReactor();
    const seen: unknown[] = [];
    r.addSystemEventTrigger("during", "shutdown", () =>
      seen.push(r.running, r.getListeningPorts().length, r.getConnections().length),
    );
    r.addSystemEventTrigger("after", "shutdown", () => seen.push(r.running));
    const { done } = await start(r);
    const port = r.listenTCP(
      0,
      { buildProtocol: () => null, doStart() {}, doStop() {} },
      { host: "127.0.0.1" },
    );
    await port.whenListening();
    await r.stop();
    await done;
    expect(seen).toEqual([false, 0, 0, false]);
  });
});
