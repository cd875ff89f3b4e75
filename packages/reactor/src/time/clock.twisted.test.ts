/**
 * The scenarios of Twisted 22.4's `twisted/test/test_task.py` ClockTests, in lr's terms (ms, not
 * seconds). Behaviours carried over; the code is our own.
 */
import { describe, expect, it } from "vitest";
import { AlreadyCalled, AlreadyCancelled } from "../core/errors.js";
import { Clock } from "./clock.js";

describe("Clock (Twisted's ClockTests)", () => {
  it("reports the time it was advanced to", () => {
    const c = new Clock();
    expect(c.now()).toBe(0);
    c.advance(1000);
    expect(c.seconds()).toBe(1);
  });

  it("callLater returns a pending call due at now + delay", () => {
    const c = new Clock();
    const call = c.callLater(1000, () => {});
    expect(call.getTime()).toBe(1000);
    expect(call.active()).toBe(true);
  });

  it("a cancelled call is no longer active", () => {
    const c = new Clock();
    const call = c.callLater(1000, () => {});
    call.cancel();
    expect(call.active()).toBe(false);
  });

  it("calls due at the same time run in scheduling order", () => {
    const c = new Clock();
    const seen: string[] = [];
    c.callLater(10, () => seen.push("a"));
    c.callLater(10, () => seen.push("b"));
    c.advance(10);
    expect(seen).toEqual(["a", "b"]);
  });

  it("advance runs a call once it is due, with the arguments given", () => {
    const c = new Clock();
    const seen: unknown[] = [];
    const call = c.callLater(2000, (a: number, b: string) => seen.push([a, b]), 3, "x");
    c.advance(1000);
    expect(seen).toEqual([]);
    c.advance(1000);
    expect(seen).toEqual([[3, "x"]]);
    expect(call.active()).toBe(false);
  });

  it("a call cancelled before it is due never runs", () => {
    const c = new Clock();
    let ran = false;
    const call = c.callLater(1000, () => {
      ran = true;
    });
    call.cancel();
    c.advance(1000);
    expect(ran).toBe(false);
    expect(() => call.cancel()).toThrow(AlreadyCancelled);
  });

  it("delay() pushes a call later by the amount given", () => {
    const c = new Clock();
    let ran = false;
    const call = c.callLater(2000, () => {
      ran = true;
    });
    call.delay(1000);
    expect(call.getTime()).toBe(3000);
    c.advance(2000);
    expect(ran).toBe(false);
    c.advance(1000);
    expect(ran).toBe(true);
  });

  it("reset() to a later time moves the call there", () => {
    const c = new Clock();
    let at = -1;
    const call = c.callLater(2000, () => {
      at = c.now();
    });
    c.advance(1000);
    call.reset(3000);
    expect(call.getTime()).toBe(4000);
    c.advance(2000);
    expect(at).toBe(-1);
    c.advance(1000);
    expect(at).toBe(4000);
  });

  it("reset() to a sooner time moves the call there", () => {
    const c = new Clock();
    let at = -1;
    const call = c.callLater(4000, () => {
      at = c.now();
    });
    call.reset(3000);
    c.advance(3000);
    expect(at).toBe(3000);
  });

  it("getDelayedCalls lists exactly the pending calls", () => {
    const c = new Clock();
    const a = c.callLater(1000, () => {});
    const b = c.callLater(2000, () => {});
    const d = c.callLater(3000, () => {});
    d.cancel();
    expect(c.getDelayedCalls()).toEqual([a, b]);
    c.advance(1000);
    expect(c.getDelayedCalls()).toEqual([b]);
  });

  it("getDelayedCalls of a fresh clock is empty", () => {
    expect(new Clock().getDelayedCalls()).toEqual([]);
  });

  it("provides the ReactorTime operations (now, seconds, callLater, getDelayedCalls)", () => {
    const c = new Clock();
    for (const name of ["now", "seconds", "callLater", "getDelayedCalls"] as const) {
      expect(typeof c[name]).toBe("function");
    }
  });

  it("a call reset later keeps the order of a call scheduled afterwards in between", () => {
    const c = new Clock();
    const seen: [string, number][] = [];
    const log = (n: string) => seen.push([n, c.now()]);
    const a = c.callLater(1000, log, "a");
    a.reset(3000);
    c.callLater(2000, log, "b");
    c.pump([1000, 1000, 1000]);
    expect(seen).toEqual([
      ["b", 2000],
      ["a", 3000],
    ]);
  });

  it("a call reset past a later one runs after it", () => {
    const c = new Clock();
    const seen: [string, number][] = [];
    const log = (n: string) => seen.push([n, c.now()]);
    const a = c.callLater(1000, log, "a");
    c.callLater(2000, log, "b");
    a.reset(3000);
    c.pump([1000, 1000, 1000]);
    expect(seen).toEqual([
      ["b", 2000],
      ["a", 3000],
    ]);
  });

  it("a reset made inside a running call keeps the order too", () => {
    const c = new Clock();
    const seen: [string, number][] = [];
    const log = (n: string) => seen.push([n, c.now()]);
    const b = c.callLater(2000, log, "b");
    c.callLater(1000, () => b.reset(3000));
    c.callLater(3000, log, "c");
    c.pump(Array.from({ length: 10 }, () => 500));
    expect(seen).toEqual([
      ["c", 3000],
      ["b", 4000],
    ]);
  });

  // Behaviours the oracle found (issue 13), each also true of Twisted's Clock.
  it("advance() inside a delayed call runs what falls due, then the outer advance goes on", () => {
    const c = new Clock();
    const seen: [string, number][] = [];
    c.callLater(1000, () => {
      seen.push(["outer", c.now()]);
      c.advance(1000);
      seen.push(["outer-after", c.now()]);
    });
    c.callLater(1500, () => seen.push(["inner", c.now()]));
    c.callLater(3000, () => seen.push(["late", c.now()]));
    c.advance(1000);
    expect(seen).toEqual([
      ["outer", 1000],
      ["inner", 2000],
      ["outer-after", 2000],
    ]);
    expect(c.getDelayedCalls()).toHaveLength(1);
  });

  it("a call that ran can be neither cancelled nor reset", () => {
    const c = new Clock();
    const call = c.callLater(0, () => {});
    c.advance(0);
    expect(() => call.cancel()).toThrow(AlreadyCalled);
    expect(() => call.reset(10)).toThrow(AlreadyCalled);
  });

  it("a call returning a rejected Promise does not make advance() throw; the error is kept", async () => {
    const c = new Clock();
    const boom = new Error("boom");
    c.callLater(0, () => Promise.reject(boom));
    c.advance(0);
    await new Promise((r) => setImmediate(r));
    expect(c.rejections).toEqual([boom]);
  });
});
