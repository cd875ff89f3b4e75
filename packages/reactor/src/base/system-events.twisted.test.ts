/**
 * The scenarios of Twisted 22.4's `twisted/test/test_internet.py` SystemEventTests, on an lr reactor
 * (`fireSystemEvent` returns a Promise; a returned Promise plays the Deferred). Behaviours carried
 * over; the code is our own.
 */
import { describe, expect, it } from "vitest";
import { InvalidPhaseError, TriggerNotFoundError } from "../core/errors.js";
import type { SystemEventPhase, TriggerId } from "../core/interfaces.js";
import { nullLogger } from "../core/logger.js";
import { createReactor } from "../node/reactor.js";

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

describe("system event triggers (Twisted's SystemEventTests)", () => {
  for (const phase of ["before", "during", "after"] as const) {
    it(`a '${phase}' trigger is called when its event fires, not before`, async () => {
      const r = createReactor({ logger: nullLogger });
      let n = 0;
      r.addSystemEventTrigger(phase, "test", () => {
        n++;
      });
      expect(n).toBe(0);
      await r.fireSystemEvent("test");
      expect(n).toBe(1);
    });
  }

  it("an unknown phase is rejected", () => {
    const r = createReactor({ logger: nullLogger });
    expect(() => r.addSystemEventTrigger("xxx" as SystemEventPhase, "test", () => {})).toThrow(
      InvalidPhaseError,
    );
  });

  it("'before' triggers run before 'during' ones, and 'during' before 'after'", async () => {
    const r = createReactor({ logger: nullLogger });
    const seen: string[] = [];
    r.addSystemEventTrigger("after", "test", () => seen.push("after"));
    r.addSystemEventTrigger("during", "test", () => seen.push("during"));
    r.addSystemEventTrigger("before", "test", () => seen.push("before"));
    await r.fireSystemEvent("test");
    expect(seen).toEqual(["before", "during", "after"]);
  });

  it("a 'before' trigger returning a Promise holds the 'during' phase until it settles", async () => {
    const r = createReactor({ logger: nullLogger });
    const g = gate();
    const seen: string[] = [];
    r.addSystemEventTrigger("before", "test", () => g.promise);
    r.addSystemEventTrigger("during", "test", () => seen.push("during"));
    const fired = r.fireSystemEvent("test");
    await flush();
    expect(seen).toEqual([]);
    g.open();
    await fired;
    expect(seen).toEqual(["during"]);
  });

  it("with several 'before' Promises, 'during' waits for all of them", async () => {
    const r = createReactor({ logger: nullLogger });
    const a = gate();
    const b = gate();
    const seen: string[] = [];
    r.addSystemEventTrigger("before", "test", () => a.promise);
    r.addSystemEventTrigger("before", "test", () => b.promise);
    r.addSystemEventTrigger("during", "test", () => seen.push("during"));
    const fired = r.fireSystemEvent("test");
    a.open();
    await flush();
    expect(seen).toEqual([]);
    b.open();
    await fired;
    expect(seen).toEqual(["during"]);
  });

  it("a later 'before' trigger settling an earlier one's Promise: the rest still run, 'during' waits", async () => {
    const r = createReactor({ logger: nullLogger });
    const first = gate();
    const second = gate();
    const seen: string[] = [];
    r.addSystemEventTrigger("before", "test", () => first.promise);
    r.addSystemEventTrigger("before", "test", () => first.open());
    r.addSystemEventTrigger("before", "test", () => {
      seen.push("before");
      return second.promise;
    });
    r.addSystemEventTrigger("during", "test", () => seen.push("during"));
    const fired = r.fireSystemEvent("test");
    await flush();
    expect(seen).toEqual(["before"]);
    second.open();
    await fired;
    expect(seen).toEqual(["before", "during"]);
  });

  it("a removed trigger is not called", async () => {
    const r = createReactor({ logger: nullLogger });
    const seen: string[] = [];
    r.addSystemEventTrigger("before", "test", () => seen.push("first"));
    r.removeSystemEventTrigger(
      r.addSystemEventTrigger("before", "test", () => seen.push("second")),
    );
    await r.fireSystemEvent("test");
    expect(seen).toEqual(["first"]);
  });

  it("removing something that is not a registered trigger is an error", () => {
    const r = createReactor({ logger: nullLogger });
    const id = r.addSystemEventTrigger("during", "test", () => {});
    r.removeSystemEventTrigger(id);
    expect(() => r.removeSystemEventTrigger(null as unknown as TriggerId)).toThrow(
      TriggerNotFoundError,
    );
    expect(() => r.removeSystemEventTrigger(id)).toThrow(TriggerNotFoundError);
    expect(() => r.removeSystemEventTrigger({ ...id, phase: "after" } as TriggerId)).toThrow(
      TriggerNotFoundError,
    );
  });

  it("an event waiting on a Promise does not hold up another event", async () => {
    const r = createReactor({ logger: nullLogger });
    const first = gate();
    const second = gate();
    const seen: string[] = [];
    r.addSystemEventTrigger("before", "first", () => {
      seen.push("before first");
      return first.promise;
    });
    r.addSystemEventTrigger("after", "first", () => seen.push("after first"));
    r.addSystemEventTrigger("before", "second", () => {
      seen.push("before second");
      return second.promise;
    });
    r.addSystemEventTrigger("after", "second", () => seen.push("after second"));
    const f1 = r.fireSystemEvent("first");
    expect(seen).toEqual(["before first"]);
    const f2 = r.fireSystemEvent("second");
    expect(seen).toEqual(["before first", "before second"]);
    first.open();
    await f1;
    expect(seen).toEqual(["before first", "before second", "after first"]);
    second.open();
    await f2;
    expect(seen).toEqual(["before first", "before second", "after first", "after second"]);
  });
});
