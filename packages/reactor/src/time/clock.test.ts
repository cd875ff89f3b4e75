import { describe, expect, it } from "vitest";
import { Clock } from "./clock.js";

describe("Clock", () => {
  it("starts at 0 and reports ms and seconds", () => {
    const clock = new Clock();
    expect(clock.now()).toBe(0);
    clock.advance(1500);
    expect(clock.now()).toBe(1500);
    expect(clock.seconds()).toBe(1.5);
    expect(new Clock({ startMs: 42 }).now()).toBe(42);
  });

  it("runs calls when due, seeing the new time, with arguments", () => {
    const clock = new Clock();
    const seen: [number, string][] = [];
    clock.callLater(1000, (tag: string) => seen.push([clock.now(), tag]), "a");
    clock.advance(999);
    expect(seen).toEqual([]);
    clock.advance(2);
    expect(seen).toEqual([[1001, "a"]]);
  });

  it("runs equal due times in scheduling order", () => {
    const clock = new Clock();
    const order: number[] = [];
    for (let i = 0; i < 20; i++) clock.callLater(10, () => order.push(i));
    clock.advance(10);
    expect(order).toEqual([...Array(20).keys()]);
  });

  it("runs delay-0 calls created during advance() in the same advance()", () => {
    const clock = new Clock();
    const order: string[] = [];
    clock.callLater(5, () => {
      order.push("first");
      clock.callLater(0, () => order.push("chained"));
      clock.callLater(1, () => order.push("later"));
    });
    clock.advance(5);
    expect(order).toEqual(["first", "chained"]);
    clock.advance(1);
    expect(order).toEqual(["first", "chained", "later"]);
  });

  it("propagates an exception to the caller of advance(); the rest stays pending", () => {
    const clock = new Clock();
    const ran: string[] = [];
    clock.callLater(1, () => {
      throw new Error("boom");
    });
    clock.callLater(2, () => ran.push("after"));
    expect(() => clock.advance(5)).toThrow("boom");
    expect(ran).toEqual([]);
    clock.advance(0);
    expect(ran).toEqual(["after"]);
  });

  it("cancels, resets and delays calls; getDelayedCalls lists pending ones earliest first", () => {
    const clock = new Clock();
    const ran: string[] = [];
    const a = clock.callLater(30, () => ran.push("a"));
    const b = clock.callLater(10, () => ran.push("b"));
    const c = clock.callLater(20, () => ran.push("c"));
    expect(clock.getDelayedCalls().map((d) => d.getTime())).toEqual([10, 20, 30]);
    c.cancel();
    b.delay(25);
    a.reset(5);
    expect(clock.getDelayedCalls().map((d) => d.getTime())).toEqual([5, 35]);
    clock.advance(40);
    expect(ran).toEqual(["a", "b"]);
    expect(clock.getDelayedCalls()).toEqual([]);
    expect(() => a.cancel()).toThrow(expect.objectContaining({ code: "ERR_ALREADY_CALLED" }));
    expect(() => c.cancel()).toThrow(expect.objectContaining({ code: "ERR_ALREADY_CANCELLED" }));
  });

  it("pump() advances by each step in turn", () => {
    const clock = new Clock();
    const times: number[] = [];
    for (const t of [1, 3, 6]) clock.callLater(t, () => times.push(clock.now()));
    clock.pump([2, 2, 2]);
    expect(times).toEqual([2, 4, 6]);
  });

  it("advanceToNext() and runUntilIdle() step from call to call", () => {
    const clock = new Clock();
    const times: number[] = [];
    clock.callLater(7, () => times.push(clock.now()));
    clock.callLater(3, () => times.push(clock.now()));
    expect(clock.advanceToNext()).toBe(true);
    expect(times).toEqual([3]);
    expect(clock.runUntilIdle()).toBe(4);
    expect(times).toEqual([3, 7]);
    expect(clock.advanceToNext()).toBe(false);
  });

  it("runUntilIdle() refuses to spin forever on a self-rearming timer", () => {
    const clock = new Clock();
    const tick = () => clock.callLater(1, tick);
    tick();
    expect(() => clock.runUntilIdle(50)).toThrow(
      expect.objectContaining({ code: "ERR_SIMULATION_STALLED" }),
    );
  });

  it("rejects negative and non-finite advances", () => {
    const clock = new Clock();
    expect(() => clock.advance(-1)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG" }));
    expect(() => clock.advance(Number.NaN)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG" }),
    );
  });

  it("advanceAsync() lets Promise continuations see the time of the call that settled them", async () => {
    const clock = new Clock();
    const seen: number[] = [];
    const wait = (ms: number) => new Promise<void>((resolve) => clock.callLater(ms, resolve));
    void (async () => {
      await wait(100);
      seen.push(clock.now());
      await wait(100);
      seen.push(clock.now());
    })();
    await clock.advanceAsync(250);
    expect(seen).toEqual([100, 200]);
    expect(clock.now()).toBe(250);
  });

  it("runUntil() drives time until the Promise settles and returns its value", async () => {
    const clock = new Clock();
    const value = new Promise<string>((resolve) => clock.callLater(60_000, () => resolve("done")));
    await expect(clock.runUntil(value)).resolves.toBe("done");
    expect(clock.now()).toBe(60_000);
  });

  it("runUntil() passes a rejection through", async () => {
    const clock = new Clock();
    const failing = new Promise((_, reject) => clock.callLater(5, () => reject(new Error("nope"))));
    await expect(clock.runUntil(failing)).rejects.toThrow("nope");
  });

  it("runUntil() fails clearly when the awaited Promise can never settle", async () => {
    const clock = new Clock();
    await expect(clock.runUntil(new Promise(() => {}))).rejects.toMatchObject({
      code: "ERR_SIMULATION_STALLED",
    });
    const tick = () => clock.callLater(1000, tick);
    tick();
    await expect(clock.runUntil(new Promise(() => {}), { maxMs: 10_000 })).rejects.toMatchObject({
      code: "ERR_SIMULATION_STALLED",
    });
  });
});
