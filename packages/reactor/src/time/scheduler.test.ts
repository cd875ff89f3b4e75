import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DelayedCall } from "../core/interfaces.js";
import { Scheduler } from "./scheduler.js";

/**
 * The unit under test with time moved by hand: `advance(ms)` moves time and runs ONE pass
 * (`runDue`), which is what these tests are about (the Clock's `advance` loops until quiet).
 */
class ManualTime {
  #now = 0;
  readonly scheduler: Scheduler;

  constructor(options: { onError?: (error: unknown, call: DelayedCall) => void } = {}) {
    this.scheduler = new Scheduler({ now: () => this.#now, ...options });
  }

  callLater<A extends unknown[]>(delayMs: number, fn: (...args: A) => unknown, ...args: A) {
    return this.scheduler.callLater(delayMs, fn, ...args);
  }

  getDelayedCalls(): DelayedCall[] {
    return this.scheduler.pending();
  }

  advance(ms: number): void {
    this.#now += ms;
    this.scheduler.runDue(this.#now);
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe("DelayedCall on the shared Scheduler", () => {
  it("runs calls due at the same time in the order they were scheduled (FIFO)", () => {
    const clock = new ManualTime();
    const order: number[] = [];
    for (let i = 0; i < 50; i++) clock.callLater(10, () => order.push(i));
    clock.advance(10);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("orders by due time first, then by scheduling order", () => {
    const clock = new ManualTime();
    const order: string[] = [];
    clock.callLater(30, () => order.push("c30"));
    clock.callLater(10, () => order.push("a10"));
    clock.callLater(20, () => order.push("b20"));
    clock.callLater(10, () => order.push("a10'"));
    clock.advance(100);
    expect(order).toEqual(["a10", "a10'", "b20", "c30"]);
  });

  it("does not run a call created during a pass in that same pass, even with delay 0", () => {
    const clock = new ManualTime();
    const order: string[] = [];
    clock.callLater(0, () => {
      order.push("outer");
      clock.callLater(0, () => order.push("inner"));
    });
    clock.advance(0);
    expect(order).toEqual(["outer"]);
    clock.advance(0);
    expect(order).toEqual(["outer", "inner"]);
  });

  it("reports a throwing call through onError and keeps running the pass", () => {
    const errors: unknown[] = [];
    const clock = new ManualTime({ onError: (e) => errors.push(e) });
    const ran: number[] = [];
    clock.callLater(1, () => ran.push(1));
    clock.callLater(1, () => {
      throw new Error("boom");
    });
    clock.callLater(1, () => ran.push(3));
    clock.advance(1);
    expect(ran).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe("boom");
  });

  it("reports an async call's rejection through onError", async () => {
    const errors: unknown[] = [];
    const clock = new ManualTime({ onError: (e) => errors.push(e) });
    clock.callLater(1, async () => {
      throw new Error("later");
    });
    clock.advance(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(errors.map((e) => (e as Error).message)).toEqual(["later"]);
  });

  it("propagates a throwing call out of runDue by default (Clock semantics), having consumed it", () => {
    const clock = new ManualTime();
    const call = clock.callLater(1, () => {
      throw new Error("out");
    });
    expect(() => clock.advance(1)).toThrow("out");
    expect(call.active()).toBe(false);
    expect(codeOf(() => call.cancel())).toBe("ERR_ALREADY_CALLED");
  });

  it("passes the arguments and gives getTime() as the absolute due time", () => {
    const clock = new ManualTime();
    clock.advance(5);
    const seen: unknown[] = [];
    const call = clock.callLater(10, (a: number, b: string) => seen.push(a, b), 1, "x");
    expect(call.getTime()).toBe(15);
    clock.advance(10);
    expect(seen).toEqual([1, "x"]);
  });

  it("cancel() unschedules; cancelling twice or after the call ran throws with a code", () => {
    const clock = new ManualTime();
    let ran = 0;
    const a = clock.callLater(10, () => ran++);
    const b = clock.callLater(10, () => ran++);
    a.cancel();
    expect(a.active()).toBe(false);
    expect(codeOf(() => a.cancel())).toBe("ERR_ALREADY_CANCELLED");
    expect(codeOf(() => a.reset(1))).toBe("ERR_ALREADY_CANCELLED");
    expect(codeOf(() => a.delay(1))).toBe("ERR_ALREADY_CANCELLED");
    clock.advance(10);
    expect(ran).toBe(1);
    expect(b.active()).toBe(false);
    expect(codeOf(() => b.cancel())).toBe("ERR_ALREADY_CALLED");
    expect(codeOf(() => b.reset(1))).toBe("ERR_ALREADY_CALLED");
    expect(codeOf(() => b.delay(1))).toBe("ERR_ALREADY_CALLED");
  });

  it("treats a call as already called inside its own callback", () => {
    const clock = new ManualTime();
    let inside: { active: boolean; code: string | undefined } | null = null;
    const call: DelayedCall = clock.callLater(1, () => {
      inside = { active: call.active(), code: codeOf(() => call.cancel()) };
    });
    clock.advance(1);
    expect(inside).toEqual({ active: false, code: "ERR_ALREADY_CALLED" });
  });

  it("reset(ms) reschedules to now + ms, not relative to the original time", () => {
    const clock = new ManualTime();
    let ran = 0;
    const call = clock.callLater(10, () => ran++);
    clock.advance(8);
    call.reset(10);
    expect(call.getTime()).toBe(18);
    clock.advance(9);
    expect(ran).toBe(0);
    clock.advance(1);
    expect(ran).toBe(1);
  });

  it("reset() to an earlier time moves the call ahead of others", () => {
    const clock = new ManualTime();
    const order: string[] = [];
    clock.callLater(5, () => order.push("five"));
    const late = clock.callLater(50, () => order.push("late"));
    late.reset(1);
    clock.advance(10);
    expect(order).toEqual(["late", "five"]);
  });

  it("delay(ms) shifts the due time by ms, possibly backwards", () => {
    const clock = new ManualTime();
    const call = clock.callLater(10, () => {});
    call.delay(5);
    expect(call.getTime()).toBe(15);
    call.delay(-12);
    expect(call.getTime()).toBe(3);
    let ran = false;
    const other = clock.callLater(10, () => {
      ran = true;
    });
    other.delay(-10);
    clock.advance(0);
    expect(ran).toBe(true);
  });

  it("lists only pending calls in pending()", () => {
    const clock = new ManualTime();
    const a = clock.callLater(1, () => {});
    const b = clock.callLater(2, () => {});
    clock.callLater(3, () => {});
    a.cancel();
    clock.advance(2);
    expect(b.active()).toBe(false);
    expect(clock.getDelayedCalls().map((c) => c.getTime())).toEqual([3]);
    expect(clock.scheduler.size).toBe(1);
  });

  it("reports nextTime() of the earliest pending call, skipping cancelled ones", () => {
    const clock = new ManualTime();
    expect(clock.scheduler.nextTime()).toBeUndefined();
    const a = clock.callLater(5, () => {});
    clock.callLater(7, () => {});
    expect(clock.scheduler.nextTime()).toBe(5);
    a.cancel();
    expect(clock.scheduler.nextTime()).toBe(7);
  });

  it("rejects a non-function and a NaN delay with ERR_INVALID_ARG; clamps negative delays to 0", () => {
    const clock = new ManualTime();
    expect(codeOf(() => clock.callLater(1, 42 as unknown as () => void))).toBe("ERR_INVALID_ARG");
    expect(codeOf(() => clock.callLater(Number.NaN, () => {}))).toBe("ERR_INVALID_ARG");
    expect(clock.callLater(-5, () => {}).getTime()).toBe(0);
  });

  it("reset() and delay() refuse a non-finite due time (ERR_INVALID_ARG) and leave the call as it was", () => {
    const clock = new ManualTime();
    const never = clock.callLater(Number.POSITIVE_INFINITY, () => {});
    expect(codeOf(() => never.delay(Number.NEGATIVE_INFINITY))).toBe("ERR_INVALID_ARG");
    expect(never.getTime()).toBe(Number.POSITIVE_INFINITY);
    expect(never.active()).toBe(true);
    const soon = clock.callLater(5, () => {});
    expect(codeOf(() => soon.delay(Number.NEGATIVE_INFINITY))).toBe("ERR_INVALID_ARG");
    expect(codeOf(() => soon.delay(Number.NaN))).toBe("ERR_INVALID_ARG");
    expect(codeOf(() => soon.reset(Number.NaN))).toBe("ERR_INVALID_ARG");
    expect(soon.getTime()).toBe(5);
    // +Infinity stays "never", as with callLater(Infinity).
    soon.delay(Number.POSITIVE_INFINITY);
    expect(soon.getTime()).toBe(Number.POSITIVE_INFINITY);
    soon.reset(3);
    expect(soon.getTime()).toBe(3);
  });

  it("cancelAll() cancels everything, including calls created during a pass", () => {
    const clock = new ManualTime();
    let inner: DelayedCall | null = null;
    let cancelled = -1;
    clock.callLater(0, () => {
      inner = clock.callLater(0, () => {});
      cancelled = clock.scheduler.cancelAll();
    });
    clock.callLater(100, () => {});
    clock.advance(0);
    expect(cancelled).toBe(2);
    expect((inner as DelayedCall | null)?.active()).toBe(false);
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it("notifies onEarlier when a call becomes the earliest", () => {
    let now = 0;
    const earlier: number[] = [];
    const s = new Scheduler({ now: () => now, onEarlier: (t) => earlier.push(t) });
    s.callLater(10, () => {});
    s.callLater(20, () => {});
    const c = s.callLater(30, () => {});
    c.reset(5);
    now = 1;
    s.callLater(2, () => {});
    expect(earlier).toEqual([10, 5, 3]);
  });

  it("keeps the right order under many cancellations (heap compaction)", () => {
    const clock = new ManualTime();
    const ran: number[] = [];
    const calls: DelayedCall[] = [];
    for (let i = 0; i < 1000; i++)
      calls.push(clock.callLater((i * 7919) % 1000, () => ran.push(i)));
    for (let i = 0; i < 1000; i++) if (i % 3 !== 0) calls[i]?.cancel();
    clock.advance(1000);
    const expected = Array.from({ length: 1000 }, (_, i) => i)
      .filter((i) => i % 3 === 0)
      .sort((a, b) => ((a * 7919) % 1000) - ((b * 7919) % 1000) || a - b);
    expect(ran).toEqual(expected);
  });

  // A naive model: a list of {id, time, seq}; a pass runs, in (time, seq) order, every call due that
  // existed when the pass started. reset/delay keep the call's seq (its scheduling order among calls
  // due at the same time, as Twisted's Clock keeps ties in scheduling order).
  it("fires in the same order as a sorted-list model under random schedule/cancel/reset/delay/advance", () => {
    type Op =
      | { op: "schedule"; delay: number }
      | { op: "cancel"; pick: number }
      | { op: "reset"; pick: number; delay: number }
      | { op: "delay"; pick: number; by: number }
      | { op: "advance"; by: number }
      | { op: "nested"; delay: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant("schedule" as const), delay: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ op: fc.constant("cancel" as const), pick: fc.nat() }),
      fc.record({
        op: fc.constant("reset" as const),
        pick: fc.nat(),
        delay: fc.integer({ min: 0, max: 50 }),
      }),
      fc.record({
        op: fc.constant("delay" as const),
        pick: fc.nat(),
        by: fc.integer({ min: -20, max: 20 }),
      }),
      fc.record({ op: fc.constant("advance" as const), by: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ op: fc.constant("nested" as const), delay: fc.integer({ min: 0, max: 10 }) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const clock = new ManualTime();
        interface M {
          id: number;
          time: number;
          seq: number;
          live: boolean;
          child: number | null;
        }
        const model: M[] = [];
        let modelNow = 0;
        let seq = 0;
        let nextId = 0;
        const real: DelayedCall[] = [];
        const fired: number[] = [];
        const modelFired: number[] = [];
        const schedule = (delay: number, child: number | null): void => {
          const id = nextId++;
          const m: M = { id, time: modelNow + delay, seq: seq++, live: true, child };
          model.push(m);
          real[id] = clock.callLater(delay, () => {
            fired.push(id);
            if (child !== null) real[id + 1] = clock.callLater(child, () => fired.push(id + 1));
          });
          if (child !== null) nextId++; // reserve the child's id
        };
        const livePick = (pick: number): M | undefined => {
          const live = model.filter((m) => m.live);
          return live.length === 0 ? undefined : live[pick % live.length];
        };
        for (const o of ops) {
          switch (o.op) {
            case "schedule":
              schedule(o.delay, null);
              break;
            case "nested":
              schedule(0, o.delay);
              break;
            case "cancel": {
              const m = livePick(o.pick);
              if (!m) break;
              m.live = false;
              real[m.id]?.cancel();
              break;
            }
            case "reset": {
              const m = livePick(o.pick);
              if (!m) break;
              m.time = modelNow + o.delay;
              real[m.id]?.reset(o.delay);
              break;
            }
            case "delay": {
              const m = livePick(o.pick);
              if (!m) break;
              m.time = m.time + o.by; // delay() is not clamped
              real[m.id]?.delay(o.by);
              break;
            }
            case "advance": {
              modelNow += o.by;
              const due = model
                .filter((m) => m.live && m.time <= modelNow)
                .sort((a, b) => a.time - b.time || a.seq - b.seq);
              const children: M[] = [];
              for (const m of due) {
                m.live = false;
                modelFired.push(m.id);
                if (m.child !== null)
                  children.push({
                    id: m.id + 1,
                    time: modelNow + m.child,
                    seq: seq++,
                    live: true,
                    child: null,
                  });
              }
              model.push(...children);
              clock.advance(o.by);
              break;
            }
          }
        }
        expect(fired).toEqual(modelFired);
        const pendingModel = model
          .filter((m) => m.live)
          .map((m) => m.time)
          .sort((a, b) => a - b);
        expect(
          clock
            .getDelayedCalls()
            .map((c) => c.getTime())
            .sort((a, b) => a - b),
        ).toEqual(pendingModel);
      }),
      { numRuns: 300 },
    );
  });
});
