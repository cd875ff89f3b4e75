import { describe, expect, it } from "vitest";
import { deferred, start, testReactor } from "../../test/helpers.js";
import { createReactor } from "./reactor.js";

async function rejectionCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

function throwCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe("reactor lifecycle", () => {
  it("goes stopped → starting → running → stopping → stopped", async () => {
    const r = testReactor();
    const seen: string[] = [r.state];
    r.addSystemEventTrigger("before", "startup", () =>
      seen.push(`before-startup:${r.state}:${r.running}`),
    );
    r.addSystemEventTrigger("during", "startup", () =>
      seen.push(`during-startup:${r.state}:${r.running}`),
    );
    r.addSystemEventTrigger("before", "shutdown", () =>
      seen.push(`before-shutdown:${r.state}:${r.running}`),
    );
    r.addSystemEventTrigger("during", "shutdown", () =>
      seen.push(`during-shutdown:${r.state}:${r.running}`),
    );
    r.callWhenRunning(() => {
      seen.push(`running:${r.state}:${r.running}`);
      void r.stop();
      seen.push(`after-stop:${r.state}`);
    });
    await r.run();
    seen.push(r.state);
    expect(seen).toEqual([
      "stopped",
      "before-startup:starting:false",
      "during-startup:running:true",
      "running:running:true",
      "after-stop:stopping",
      "before-shutdown:stopping:true",
      "during-shutdown:stopping:false",
      "stopped",
    ]);
    expect(r.running).toBe(false);
  });

  it("rejects run() while running with ERR_REACTOR_ALREADY_RUNNING", async () => {
    const r = testReactor();
    const { done } = await start(r);
    expect(await rejectionCode(r.run())).toBe("ERR_REACTOR_ALREADY_RUNNING");
    await r.stop();
    await done;
  });

  it("rejects run() while starting and while stopping", async () => {
    const r = testReactor();
    let duringStart: Promise<string | undefined> | null = null;
    let duringStop: Promise<string | undefined> | null = null;
    const ids = [
      r.addSystemEventTrigger("before", "startup", () => {
        duringStart = rejectionCode(r.run());
      }),
      r.addSystemEventTrigger("before", "shutdown", () => {
        duringStop = rejectionCode(r.run());
      }),
    ];
    r.callWhenRunning(() => r.stop());
    await r.run();
    expect(await duringStart).toBe("ERR_REACTOR_ALREADY_RUNNING");
    expect(await duringStop).toBe("ERR_REACTOR_ALREADY_RUNNING");
    for (const id of ids) r.removeSystemEventTrigger(id);
  });

  it("throws ERR_REACTOR_NOT_RUNNING synchronously from stop() when stopped", () => {
    const r = testReactor();
    expect(throwCode(() => r.stop())).toBe("ERR_REACTOR_NOT_RUNNING");
  });

  it("throws ERR_REACTOR_NOT_RUNNING from a second stop() and from stop() inside a shutdown trigger", async () => {
    const r = testReactor();
    let inTrigger: string | undefined;
    r.addSystemEventTrigger("before", "shutdown", () => {
      inTrigger = throwCode(() => r.stop());
    });
    const { done } = await start(r);
    const first = r.stop();
    expect(throwCode(() => r.stop())).toBe("ERR_REACTOR_NOT_RUNNING");
    await first;
    await done;
    expect(inTrigger).toBe("ERR_REACTOR_NOT_RUNNING");
    expect(throwCode(() => r.stop())).toBe("ERR_REACTOR_NOT_RUNNING");
  });

  it("stop() resolves once the reactor is fully stopped, and run() resolves too", async () => {
    const r = testReactor();
    const { done } = await start(r);
    await r.stop();
    expect(r.state).toBe("stopped");
    await expect(done).resolves.toBeUndefined();
  });

  it("stop() inside callWhenRunning does one pass (due callLater(0)s run) then shuts down", async () => {
    const r = testReactor();
    const order: string[] = [];
    r.callWhenRunning(() => {
      r.callLater(0, () => order.push("callLater(0)"));
      void r.stop();
      order.push("stopped-called");
    });
    r.addSystemEventTrigger("before", "shutdown", () => order.push("before-shutdown"));
    await r.run();
    expect(order).toEqual(["stopped-called", "callLater(0)", "before-shutdown"]);
  });

  it("stop() inside a before-startup trigger lets startup finish, then shuts down", async () => {
    const r = testReactor();
    const order: string[] = [];
    const id = r.addSystemEventTrigger("before", "startup", () => {
      void r.stop();
      order.push("before-startup");
    });
    r.addSystemEventTrigger("after", "startup", () => order.push("after-startup"));
    r.callWhenRunning(() => order.push("when-running"));
    r.addSystemEventTrigger("before", "shutdown", () => order.push("before-shutdown"));
    await r.run();
    expect(order).toEqual(["before-startup", "after-startup", "when-running", "before-shutdown"]);
    r.removeSystemEventTrigger(id);
  });

  it("callWhenRunning calls synchronously when running, and is one-shot otherwise", async () => {
    const r = testReactor();
    let calls = 0;
    expect(r.callWhenRunning(() => calls++)).toBeDefined();
    const { done } = await start(r);
    expect(calls).toBe(1);
    let sync = false;
    expect(r.callWhenRunning(() => (sync = true))).toBeUndefined();
    expect(sync).toBe(true);
    await r.stop();
    await done;
    // a second run does not call the first callback again
    const again = await start(r);
    await r.stop();
    await again.done;
    expect(calls).toBe(1);
  });

  it("a callWhenRunning registration can be removed before the run", async () => {
    const r = testReactor();
    let called = false;
    const id = r.callWhenRunning(() => {
      called = true;
    });
    if (!id) throw new Error("expected an id while stopped");
    r.removeSystemEventTrigger(id);
    const { done } = await start(r);
    await r.stop();
    await done;
    expect(called).toBe(false);
  });

  it("logs a throwing or rejecting callWhenRunning callback and keeps running", async () => {
    const r = testReactor();
    r.callWhenRunning(() => {
      throw new Error("sync boom");
    });
    r.callWhenRunning(async () => {
      throw new Error("async boom");
    });
    const { done } = await start(r);
    expect(r.state).toBe("running");
    await r.stop();
    await done;
    const messages = r.logged
      .filter((e) => e.level === "error")
      .map((e) => (e.error as Error).message);
    expect(messages).toEqual(["sync boom", "async boom"]);
  });

  it("keeps the process alive while running with nothing scheduled (run() blocks)", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const types = process.getActiveResourcesInfo();
    expect(types).toContain("Timeout");
    await r.stop();
    await done;
  });

  it("runs several reactors at once, independently", async () => {
    const a = testReactor();
    const b = testReactor();
    const ra = await start(a);
    const rb = await start(b);
    const ticked = deferred();
    b.callLater(1, () => ticked.resolve());
    await a.stop();
    await ra.done;
    expect(a.state).toBe("stopped");
    expect(b.state).toBe("running");
    await ticked.promise;
    await b.stop();
    await rb.done;
  });

  it("the default shared reactor is a Reactor that owns nothing until it runs", async () => {
    const { reactor } = await import("./default-reactor.js");
    expect(reactor.state).toBe("stopped");
    expect(reactor.getResources()).toEqual([]);
    expect(createReactor()).not.toBe(reactor);
  });
});
