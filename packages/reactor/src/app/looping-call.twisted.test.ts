/**
 * The scenarios of Twisted 22.4's `twisted/test/test_task.py` LoopTests and ReactorLoopTests, in lr's
 * terms (ms; Promises where Twisted returns Deferreds, so a settled Promise is awaited before the
 * next step). Behaviours carried over; the code is our own.
 */
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../core/errors.js";
import { nullLogger } from "../core/logger.js";
import { createReactor } from "../node/reactor.js";
import { Clock } from "../time/clock.js";
import { LoopingCall } from "./looping-call.js";

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function on<A extends unknown[]>(clock: Clock, lc: LoopingCall<A>): LoopingCall<A> {
  lc.clock = clock;
  return lc;
}

class TestError extends Error {}

describe("LoopingCall (Twisted's LoopTests)", () => {
  it("uses the default reactor as its clock unless told otherwise", async () => {
    const { reactor } = await import("../node/default-reactor.js");
    expect(new LoopingCall(() => {}).clock).toBe(reactor);
  });

  it("a callback that outlasts the interval makes the loop skip to the next future tick", () => {
    const clock = new Clock();
    const times: number[] = [];
    let duration = 2000;
    const lc = on(
      clock,
      new LoopingCall(() => {
        times.push(clock.now());
        clock.advance(duration);
      }),
    );
    void lc.start(500);
    expect(times).toEqual([0]);
    expect(clock.now()).toBe(2000);
    clock.advance(0); // the tick at 2000 is now, not in the future: skipped
    expect(times).toEqual([0]);
    duration = 1000;
    clock.advance(500);
    expect(times).toEqual([0, 2500]);
    expect(clock.now()).toBe(3500);
    clock.advance(0);
    expect(times).toEqual([0, 2500]);
    duration = 0;
    clock.advance(500);
    expect(times).toEqual([0, 2500, 4000]);
    expect(clock.now()).toBe(4000);
    lc.stop();
  });

  it("when the clock jumps past ticks, the next call is on the next future tick", () => {
    const clock = new Clock();
    const times: number[] = [];
    const lc = on(clock, new LoopingCall(() => times.push(clock.now())));
    void lc.start(500);
    expect(times).toEqual([0]);
    clock.advance(2000);
    expect(times).toEqual([0, 2000]);
    clock.advance(1000);
    expect(times).toEqual([0, 2000, 3000]);
    clock.advance(0);
    expect(times).toEqual([0, 2000, 3000]);
    lc.stop();
  });

  it("withCount passes how many intervals went by", () => {
    const clock = new Clock();
    const seen: [number, number][] = [];
    const lc = on(
      clock,
      LoopingCall.withCount((n) => seen.push([clock.now(), n])),
    );
    void lc.start(500);
    expect(seen).toEqual([[0, 1]]);
    clock.advance(510);
    expect(seen).toEqual([
      [0, 1],
      [510, 1],
    ]);
    clock.advance(1510);
    expect(seen).toEqual([
      [0, 1],
      [510, 1],
      [2020, 3],
    ]);
    clock.advance(0);
    expect(seen).toHaveLength(3);
    lc.stop();
  });

  it("withCount counts intervals expected, not the time between calls", () => {
    const clock = new Clock();
    const seen: [number, number][] = [];
    const lc = on(
      clock,
      LoopingCall.withCount((n) => seen.push([clock.now(), n])),
    );
    void lc.start(500);
    expect(seen.pop()).toEqual([0, 1]);
    clock.advance(510);
    expect(seen.pop()).toEqual([510, 1]);
    clock.advance(875);
    expect(seen.pop()).toEqual([1385, 1]);
    clock.advance(125);
    expect(seen.pop()).toEqual([1510, 1]);
    lc.stop();
  });

  it("withCount never passes 0 and its counts add up, with an interval that is not exact in binary", () => {
    const clock = new Clock();
    const counts: number[] = [];
    const lc = on(
      clock,
      LoopingCall.withCount((n) => counts.push(n)),
    );
    const interval = 1000 / 3;
    void lc.start(interval, false);
    for (let i = 0; i < 3; i++) clock.advance(interval);
    const epsilon = 1000 - interval * 3;
    clock.advance(Math.max(epsilon, 0));
    expect(clock.now()).toBeGreaterThanOrEqual(1000 - 1e-9);
    expect(counts).not.toContain(0);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
    lc.stop();
  });

  it("withCount with interval 0 counts 1 each time", () => {
    const clock = new Clock();
    const counts: number[] = [];
    const lc = on(
      clock,
      LoopingCall.withCount((n) => {
        counts.push(n);
        if (counts.length > 4) lc.stop();
      }),
    );
    const done = lc.start(0, false);
    clock.advance(0);
    expect(counts).toEqual([1, 1, 1, 1, 1]);
    return expect(done).resolves.toBe(lc);
  });

  it("withCount with interval 0 counts 1 even after waiting for a Promise", async () => {
    const clock = new Clock();
    const counts: number[] = [];
    let release!: () => void;
    const wait = new Promise<void>((r) => {
      release = r;
    });
    const lc = on(
      clock,
      LoopingCall.withCount((n) => {
        counts.push(n);
        if (counts.length === 2) return wait;
        if (counts.length > 4) lc.stop();
        return undefined;
      }),
    );
    void lc.start(0, false);
    clock.advance(0);
    expect(counts).toEqual([1, 1]);
    clock.advance(2000);
    expect(counts).toEqual([1, 1]);
    release();
    await flush();
    clock.advance(0);
    expect(counts).toEqual([1, 1, 1, 1, 1]);
  });

  it("withCount keeps the time of the last call when the interval changes from 0", async () => {
    const clock = new Clock();
    const counts: number[] = [];
    let release!: () => void;
    const wait = new Promise<void>((r) => {
      release = r;
    });
    const lc = on(
      clock,
      LoopingCall.withCount((n) => {
        counts.push(n);
        return counts.length === 2 ? wait : undefined;
      }),
    );
    void lc.start(0, false);
    clock.advance(10_000);
    expect(counts).toEqual([1, 1]);
    lc.interval = 2000;
    release();
    await flush();
    clock.advance(7000);
    expect(counts).toEqual([1, 1, 3]);
    clock.advance(2000);
    expect(counts).toEqual([1, 1, 3, 1]);
    clock.advance(4000);
    expect(counts).toEqual([1, 1, 3, 1, 2]);
    lc.stop();
  });

  it("calls with the arguments given, on every interval, and resolves with itself when stopped", async () => {
    const clock = new Clock();
    const seen: [string, string][] = [];
    const lc = on(clock, new LoopingCall((a: string, b: string) => seen.push([a, b]), "a", "b"));
    const done = lc.start(100);
    clock.pump([50, 100, 100]);
    expect(seen).toEqual([
      ["a", "b"],
      ["a", "b"],
      ["a", "b"],
    ]);
    lc.stop();
    expect(await done).toBe(lc);
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it("with now=false the first call waits one interval", async () => {
    const clock = new Clock();
    let n = 0;
    const lc = on(
      clock,
      new LoopingCall(() => {
        n++;
      }),
    );
    const done = lc.start(100, false);
    clock.pump([50, 100, 100]);
    expect(n).toBe(2);
    lc.stop();
    expect(await done).toBe(lc);
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it("rejects a negative interval", () => {
    expect(() => new LoopingCall(() => {}).start(-1)).toThrow(InvalidArgumentError);
  });

  for (const interval of [0, 10_000]) {
    it(`stop() before the first delayed call (interval ${interval}) prevents every call`, () => {
      const clock = new Clock();
      let ran = false;
      const lc = on(
        clock,
        new LoopingCall(() => {
          ran = true;
        }),
      );
      void lc.start(interval, false);
      lc.stop();
      expect(ran).toBe(false);
      expect(clock.getDelayedCalls()).toEqual([]);
    });
  }

  it("reset() restarts the wait for the next call from now", () => {
    const clock = new Clock();
    let n = 0;
    const lc = on(
      clock,
      new LoopingCall(() => {
        n++;
      }),
    );
    void lc.start(2000, false);
    clock.advance(1000);
    lc.reset();
    clock.advance(1000);
    expect(n).toBe(0);
    clock.advance(1000);
    expect(n).toBe(1);
    lc.stop();
  });
});

describe("LoopingCall on a reactor (Twisted's ReactorLoopTests)", () => {
  it("a throw rejects the start() Promise with it", async () => {
    const clock = new Clock();
    const lc = on(
      clock,
      new LoopingCall((x: string) => {
        throw new TestError(x);
      }, "bar"),
    );
    await expect(lc.start(100)).rejects.toThrow(TestError);
  });

  it("a throw after stop() from the same call still rejects", async () => {
    const clock = new Clock();
    const lc: LoopingCall<[string]> = on(
      clock,
      new LoopingCall((x: string) => {
        lc.stop();
        throw new TestError(x);
      }, "bar"),
    );
    await expect(lc.start(100)).rejects.toThrow(TestError);
  });

  it("interval 0 on a running reactor calls on every iteration until stopped", async () => {
    const r = createReactor({ logger: nullLogger });
    let n = 0;
    const lc: LoopingCall = new LoopingCall(() => {
      n++;
      if (n > 5) lc.stop();
    });
    lc.clock = r;
    const running = r.run();
    await lc.start(0);
    expect(n).toBe(6);
    await r.stop();
    await running;
  });

  it("stop() from another delayed call before the first tick means the function never runs", async () => {
    const r = createReactor({ logger: nullLogger });
    let ran = false;
    const lc = new LoopingCall(() => {
      ran = true;
    });
    lc.clock = r;
    const running = r.run();
    void lc.start(1000, false);
    await new Promise<void>((resolve) =>
      r.callLater(0, () => {
        lc.stop();
        r.callLater(0, resolve);
      }),
    );
    expect(ran).toBe(false);
    await r.stop();
    await running;
  });

  it("waits for a returned Promise before the next call", async () => {
    const clock = new Clock();
    const lc: LoopingCall = on(
      clock,
      new LoopingCall(
        () =>
          new Promise<void>((resolve) => {
            clock.callLater(1000, () => {
              resolve();
              lc.stop();
            });
          }),
      ),
    );
    void lc.start(200);
    clock.pump([200, 800]);
    await flush();
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it("a rejected Promise from the function rejects start()", async () => {
    const clock = new Clock();
    const lc = on(
      clock,
      new LoopingCall(
        () =>
          new Promise<void>((_resolve, reject) => {
            clock.callLater(300, () => reject(new TestError()));
          }),
      ),
    );
    const done = lc.start(1000);
    clock.pump([300]);
    await expect(done).rejects.toThrow(TestError);
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it("withCount counts the intervals a pending Promise made it miss", async () => {
    const clock = new Clock();
    const counts: number[] = [];
    let release!: () => void;
    const wait = new Promise<void>((r) => {
      release = r;
    });
    const lc = on(
      clock,
      LoopingCall.withCount((n) => {
        counts.push(n);
        return counts.length === 1 ? wait : undefined;
      }),
    );
    void lc.start(200, false);
    expect(counts).toEqual([]);
    clock.pump([200, 400]);
    expect(counts).toHaveLength(1);
    release();
    await flush();
    clock.pump([200]);
    expect(counts).toEqual([1, 3]);
    lc.stop();
  });
});
