import { describe, expect, it } from "vitest";
import { nullLogger } from "../core/logger.js";
import { createReactor } from "../node/reactor.js";
import { Clock } from "./clock.js";
import { deferLater } from "./defer-later.js";

describe("deferLater", () => {
  it("resolves with fn(...args) after the delay", async () => {
    const clock = new Clock();
    let settled = false;
    const p = deferLater(clock, 100, (a: number, b: string) => `${a}${b}`, 1, "x");
    void p.then(() => (settled = true));
    clock.advance(99);
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(p).resolves.toBe("1x");
  });

  it("awaits an async fn and rejects with its error", async () => {
    const clock = new Clock();
    const ok = deferLater(clock, 5, async () => 42);
    const bad = deferLater(clock, 5, () => {
      throw new RangeError("nope");
    });
    clock.advance(5);
    await expect(ok).resolves.toBe(42);
    await expect(bad).rejects.toThrow(RangeError);
  });

  it("resolves with undefined without a function", async () => {
    const clock = new Clock();
    const p = deferLater(clock, 10);
    clock.advance(10);
    await expect(p).resolves.toBeUndefined();
  });

  it("is cancelled by an AbortSignal: rejects with ERR_CANCELLED, timer removed, call never runs", async () => {
    const clock = new Clock();
    const ac = new AbortController();
    let ran = false;
    const p = deferLater(clock, 10, { signal: ac.signal, call: () => (ran = true) });
    expect(clock.getDelayedCalls()).toHaveLength(1);
    ac.abort(new Error("user"));
    await expect(p).rejects.toMatchObject({
      code: "ERR_CANCELLED",
      cause: expect.objectContaining({ message: "user" }),
    });
    expect(clock.getDelayedCalls()).toHaveLength(0);
    clock.advance(10);
    expect(ran).toBe(false);
  });

  it("rejects at once with an already-aborted signal", async () => {
    const clock = new Clock();
    await expect(deferLater(clock, 10, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: "ERR_CANCELLED",
    });
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });

  it("on a reactor: rejects when the reactor stops first, works again on the next run", async () => {
    const reactor = createReactor({ logger: nullLogger });
    const long = deferLater(reactor, 60_000, () => "never");
    reactor.callWhenRunning(() => void reactor.stop());
    await reactor.run();
    await expect(long).rejects.toMatchObject({ code: "ERR_CANCELLED" });
    const short = deferLater(reactor, 1, () => "ok");
    reactor.callWhenRunning(() => {
      void short.then(() => reactor.stop());
    });
    await reactor.run();
    await expect(short).resolves.toBe("ok");
    expect(reactor.getResources()).toEqual([]);
  });
});
