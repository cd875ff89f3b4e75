import { describe, expect, it } from "vitest";
import { deferred, start, testReactor } from "../../test/helpers.js";

describe("callLater on the real reactor", () => {
  it("a call scheduled before run() fires once the reactor runs", async () => {
    const r = testReactor();
    const fired = deferred<string>();
    r.callLater(0, () => fired.resolve(r.state));
    expect(r.getDelayedCalls()).toHaveLength(1);
    const run = r.run();
    expect(await fired.promise).toBe("running");
    await r.stop();
    await run;
  });

  it("runs due calls in scheduling order and a throwing call does not stop the others", async () => {
    const r = testReactor();
    const order: number[] = [];
    const done = deferred();
    const { done: ran } = await start(r);
    for (let i = 0; i < 5; i++) {
      r.callLater(2, () => {
        if (i === 2) throw new Error("call 2 failed");
        order.push(i);
        if (i === 4) done.resolve();
      });
    }
    await done.promise;
    expect(order).toEqual([0, 1, 3, 4]);
    const errors = r.logged.filter((e) => e.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toMatchObject({ message: "call 2 failed" });
    expect(r.state).toBe("running");
    await r.stop();
    await ran;
  });

  it("an earlier call scheduled after a later one re-arms the single timer", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const order: string[] = [];
    const fired = deferred();
    r.callLater(60_000, () => order.push("late"));
    r.callLater(1, () => {
      order.push("early");
      fired.resolve();
    });
    await fired.promise;
    expect(order).toEqual(["early"]);
    await r.stop();
    await done;
  });

  it("reset() to an earlier time and delay() backwards re-arm the timer", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const a = deferred();
    const b = deferred();
    const callA = r.callLater(60_000, () => a.resolve());
    const callB = r.callLater(60_000, () => b.resolve());
    callA.reset(1);
    await a.promise;
    callB.delay(-60_000);
    await b.promise;
    await r.stop();
    await done;
  });

  it("a call scheduled from a call with delay 0 runs on a later pass", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const order: string[] = [];
    const finished = deferred();
    r.callLater(0, () => {
      r.callLater(0, () => {
        order.push("inner");
        finished.resolve();
      });
      order.push("outer-end");
    });
    r.callLater(0, () => order.push("sibling"));
    await finished.promise;
    expect(order).toEqual(["outer-end", "sibling", "inner"]);
    await r.stop();
    await done;
  });

  it("cancels pending calls at stop; they never fire on the next run", async () => {
    const r = testReactor();
    let fired = 0;
    const { done } = await start(r);
    const pending = r.callLater(1, () => fired++);
    await r.stop();
    await done;
    expect(pending.active()).toBe(false);
    expect(r.getDelayedCalls()).toEqual([]);
    const again = await start(r);
    const tick = deferred();
    r.callLater(5, () => tick.resolve());
    await tick.promise;
    expect(fired).toBe(0);
    await r.stop();
    await again.done;
  });

  it("passes extra arguments through to the call", async () => {
    const r = testReactor();
    const got = deferred<unknown[]>();
    r.callLater(0, (a: number, b: string, c: { k: boolean }) => got.resolve([a, b, c]), 1, "two", {
      k: true,
    });
    const run = r.run();
    expect(await got.promise).toEqual([1, "two", { k: true }]);
    await r.stop();
    await run;
  });

  it("now() and seconds() are monotonic and agree", () => {
    const r = testReactor();
    const a = r.now();
    const s = r.seconds();
    const b = r.now();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(s * 1000).toBeGreaterThanOrEqual(a);
    expect(s * 1000).toBeLessThanOrEqual(b);
  });
});
