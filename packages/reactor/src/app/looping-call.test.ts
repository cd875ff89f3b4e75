import { describe, expect, it } from "vitest";
import { nullLogger } from "../core/logger.js";
import { createReactor } from "../node/reactor.js";
import { Clock } from "../time/clock.js";
import { LoopingCall } from "./looping-call.js";

function looping<A extends unknown[]>(
  clock: Clock,
  fn: (...args: A) => unknown,
  ...args: A
): LoopingCall<A> {
  const lc = new LoopingCall(fn, ...args);
  lc.clock = clock;
  return lc;
}

describe("LoopingCall", () => {
  it("calls now, then on every interval, and resolves with itself when stopped", async () => {
    const clock = new Clock();
    const times: number[] = [];
    const lc = looping(
      clock,
      (tag: string) => times.push(clock.now() + (tag === "x" ? 0 : 1)),
      "x",
    );
    const done = lc.start(100);
    expect(times).toEqual([0]);
    clock.advance(99);
    expect(times).toEqual([0]);
    clock.advance(1);
    clock.advance(100);
    expect(times).toEqual([0, 100, 200]);
    lc.stop();
    expect(lc.running).toBe(false);
    await expect(done).resolves.toBe(lc);
    clock.advance(1000);
    expect(times).toEqual([0, 100, 200]);
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });

  it("with now=false waits a full interval first", () => {
    const clock = new Clock();
    let n = 0;
    const lc = looping(clock, () => n++);
    void lc.start(50, false);
    expect(n).toBe(0);
    clock.advance(50);
    expect(n).toBe(1);
    lc.stop();
  });

  it("skips missed ticks instead of bursting (grid-aligned)", () => {
    const clock = new Clock();
    const times: number[] = [];
    const lc = looping(clock, () => times.push(clock.now()));
    void lc.start(100);
    clock.advance(350); // the loop was blocked: 100, 200, 300 missed
    expect(times).toEqual([0, 350]);
    clock.advance(50); // back on the grid at 400
    expect(times).toEqual([0, 350, 400]);
    lc.stop();
  });

  it("a slow synchronous function does not shift the grid", () => {
    const clock = new Clock();
    const times: number[] = [];
    const lc = looping(clock, () => {
      times.push(clock.now());
      clock.advance(30); // time passes while we work (nothing due yet)
    });
    void lc.start(100);
    clock.advance(70);
    expect(times).toEqual([0, 100]);
    clock.advance(70);
    expect(times).toEqual([0, 100, 200]);
    lc.stop();
  });

  it("waits for a returned Promise before scheduling the next call (no overlap)", async () => {
    const clock = new Clock();
    let release!: () => void;
    let calls = 0;
    const lc = looping(clock, () => {
      calls++;
      return new Promise<void>((r) => {
        release = r;
      });
    });
    void lc.start(100);
    expect(calls).toBe(1);
    clock.advance(500);
    expect(calls).toBe(1);
    expect(clock.getDelayedCalls()).toHaveLength(0);
    release();
    await Promise.resolve();
    await Promise.resolve();
    expect(clock.getDelayedCalls()).toHaveLength(1);
    clock.advance(100); // next grid point after 500 is 600
    expect(calls).toBe(2);
    lc.stop();
  });

  it("stop() while the Promise is pending resolves only when it settles", async () => {
    const clock = new Clock();
    let release!: () => void;
    const lc = looping(clock, () => new Promise<void>((r) => (release = r)));
    const done = lc.start(10);
    let resolved = false;
    void done.then(() => (resolved = true));
    lc.stop();
    await Promise.resolve();
    expect(resolved).toBe(false);
    release();
    await expect(done).resolves.toBe(lc);
  });

  it("a throw stops the loop and rejects start() (also synchronously on the first call)", async () => {
    const clock = new Clock();
    let n = 0;
    const boom = new Error("boom");
    const lc = looping(clock, () => {
      if (++n === 3) throw boom;
    });
    const done = lc.start(10);
    clock.advance(10);
    clock.advance(10);
    await expect(done).rejects.toBe(boom);
    expect(lc.running).toBe(false);
    expect(clock.getDelayedCalls()).toHaveLength(0);

    const first = looping(clock, () => {
      throw boom;
    });
    await expect(first.start(10)).rejects.toBe(boom);
    expect(first.running).toBe(false);
  });

  it("a rejected Promise stops the loop", async () => {
    const clock = new Clock();
    const lc = looping(clock, async () => {
      throw new TypeError("async boom");
    });
    await expect(lc.start(10)).rejects.toThrow(TypeError);
    expect(lc.running).toBe(false);
  });

  it("validates its state and interval", () => {
    const clock = new Clock();
    const lc = looping(clock, () => {});
    expect(() => lc.stop()).toThrow(
      expect.objectContaining({ code: "ERR_LOOPING_CALL_NOT_RUNNING" }),
    );
    expect(() => lc.start(-1)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG" }));
    void lc.start(10);
    expect(() => lc.start(10)).toThrow(
      expect.objectContaining({ code: "ERR_LOOPING_CALL_RUNNING" }),
    );
    lc.stop();
  });

  it("can be restarted after a stop", async () => {
    const clock = new Clock();
    let n = 0;
    const lc = looping(clock, () => n++);
    void lc.start(10);
    lc.stop();
    void lc.start(10);
    clock.advance(10);
    expect(n).toBe(3);
    lc.stop();
  });

  it("reset() restarts the grid from now", () => {
    const clock = new Clock();
    const times: number[] = [];
    const lc = looping(clock, () => times.push(clock.now()));
    void lc.start(100);
    clock.advance(60);
    lc.reset();
    clock.advance(40);
    expect(times).toEqual([0]);
    clock.advance(60);
    expect(times).toEqual([0, 160]);
    lc.stop();
  });

  it("interval 0 calls again on every pass", () => {
    const clock = new Clock();
    let n = 0;
    // The Clock runs calls that become due during advance() (Twisted's rule): stop from the 3rd call.
    const lc = looping(clock, () => {
      if (++n === 3) lc.stop();
    });
    void lc.start(0);
    expect(n).toBe(1);
    clock.advance(0);
    expect(n).toBe(3);
    expect(lc.running).toBe(false);
  });
});

describe("LoopingCall.withCount", () => {
  it("reports skipped intervals", () => {
    const clock = new Clock();
    const counts: number[] = [];
    const lc = LoopingCall.withCount((c) => counts.push(c));
    lc.clock = clock;
    void lc.start(100);
    clock.advance(100);
    clock.advance(300); // 3 intervals went by
    clock.advance(100);
    expect(counts).toEqual([1, 1, 3, 1]);
    lc.stop();
  });

  it("counts from the start when now=false, and keeps counting across a new start() (as Twisted)", () => {
    const clock = new Clock();
    const counts: number[] = [];
    const lc = LoopingCall.withCount((c) => counts.push(c));
    lc.clock = clock;
    void lc.start(10, false);
    clock.advance(25); // due at 10, runs at 25: two intervals since start
    expect(counts).toEqual([2]);
    lc.stop();
    // Restarted at the time of the last counted call: no interval went by, so this call counts 0
    // and the function is not called; the next one counts 1.
    void lc.start(10);
    expect(counts).toEqual([2]);
    clock.advance(10);
    expect(counts).toEqual([2, 1]);
    lc.stop();
  });

  it("counts no phantom intervals after reset() (Twisted truncates towards zero)", () => {
    const clock = new Clock();
    const counts: number[] = [];
    const lc = LoopingCall.withCount((c) => counts.push(c));
    lc.clock = clock;
    void lc.start(10); // counts 1 at 0
    clock.advance(15); // counts 1 at 10
    lc.reset(); // new grid from 15
    clock.advance(10); // at 25: one interval since the reset
    expect(counts).toEqual([1, 1, 1]);
    lc.stop();
  });

  it("interval 0 always counts 1", () => {
    const clock = new Clock();
    const counts: number[] = [];
    // The Clock runs calls that become due during advance() (Twisted's rule): stop from the 2nd call.
    const lc = LoopingCall.withCount((c) => {
      counts.push(c);
      if (counts.length === 2) lc.stop();
    });
    lc.clock = clock;
    void lc.start(0);
    clock.advance(0);
    expect(counts).toEqual([1, 1]);
    expect(lc.running).toBe(false);
  });
});

describe("LoopingCall on a real reactor", () => {
  it("ends when the reactor stops, and can start again on the next run", async () => {
    const reactor = createReactor({ logger: nullLogger });
    const lc = new LoopingCall(() => {
      ticks++;
      if (ticks === 3) void reactor.stop();
    });
    let ticks = 0;
    lc.clock = reactor;
    for (let run = 1; run <= 2; run++) {
      ticks = 0;
      const done = lc.start(1);
      await reactor.run();
      await expect(done).resolves.toBe(lc);
      expect(lc.running).toBe(false);
      expect(ticks).toBe(3);
      expect(reactor.getResources()).toEqual([]);
    }
  });
});
