/**
 * Reactor lifecycle behaviours checked against Twisted 22.4's real reactor by the oracle (issue 13),
 * as fixed scenarios. Twisted's rule: the shutdown begins at the end of a round of due delayed calls.
 */
import { describe, expect, it } from "vitest";
import { nullLogger } from "../core/logger.js";
import { createReactor } from "./reactor.js";

describe("reactor lifecycle (as Twisted's reactor)", () => {
  it("a callLater(0) made right after stop() in a callWhenRunning callback runs before the shutdown", async () => {
    const r = createReactor({ logger: nullLogger });
    const seen: string[] = [];
    r.addSystemEventTrigger("before", "shutdown", () => seen.push("shutdown"));
    r.callWhenRunning(() => {
      void r.stop();
      r.callLater(0, () => seen.push("later"));
    });
    await r.run();
    expect(seen).toEqual(["later", "shutdown"]);
  });

  it("stop() from a delayed call shuts down right after that round: calls it made do not run", async () => {
    const r = createReactor({ logger: nullLogger });
    const seen: string[] = [];
    r.addSystemEventTrigger("before", "shutdown", () => seen.push("shutdown"));
    r.callWhenRunning(() =>
      r.callLater(0, () => {
        void r.stop();
        r.callLater(0, () => seen.push("later"));
      }),
    );
    await r.run();
    expect(seen).toEqual(["shutdown"]);
  });

  it("a 'before startup' trigger may await a callLater, also behind a timer scheduled before run()", async () => {
    const r = createReactor({ logger: nullLogger, triggerTimeoutMs: 60_000 });
    const seen: string[] = [];
    r.callLater(0, () => seen.push("early"));
    r.addSystemEventTrigger(
      "before",
      "startup",
      () => new Promise<void>((resolve) => r.callLater(0, resolve)),
    );
    r.callWhenRunning(() => {
      seen.push("running");
      void r.stop();
    });
    const t0 = performance.now();
    await r.run();
    expect(seen).toEqual(["early", "running"]);
    expect(performance.now() - t0).toBeLessThan(30_000); // not the trigger timeout
  });

  it("stop() while a 'before startup' Promise is pending shuts down without finishing startup", async () => {
    const r = createReactor({ logger: nullLogger, triggerTimeoutMs: 60_000 });
    const seen: string[] = [];
    let release!: () => void;
    r.addSystemEventTrigger(
      "before",
      "startup",
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    r.addSystemEventTrigger("during", "startup", () => seen.push("during startup"));
    r.addSystemEventTrigger("before", "shutdown", () => seen.push("shutdown"));
    r.callWhenRunning(() => seen.push("running"));
    const running = r.run();
    await new Promise((resolve) => setImmediate(resolve));
    await r.stop();
    await running;
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(["shutdown"]);
  });

  it("stop() from a 'before startup' trigger lets a synchronous startup finish first", async () => {
    const r = createReactor({ logger: nullLogger });
    const seen: string[] = [];
    r.addSystemEventTrigger("before", "startup", () => {
      void r.stop();
    });
    r.addSystemEventTrigger("during", "startup", () => seen.push("during startup"));
    r.callWhenRunning(() => seen.push("running"));
    r.addSystemEventTrigger("before", "shutdown", () => seen.push("shutdown"));
    await r.run();
    expect(seen).toEqual(["during startup", "running", "shutdown"]);
  });

  it("callWhenRunning while running is a plain call: its exception reaches the caller", async () => {
    const r = createReactor({ logger: nullLogger });
    let caught: unknown;
    r.callWhenRunning(() => {
      try {
        r.callWhenRunning(() => {
          throw new Error("boom");
        });
      } catch (error) {
        caught = error;
      }
      void r.stop();
    });
    await r.run();
    expect(caught).toBeInstanceOf(Error);
  });
});
