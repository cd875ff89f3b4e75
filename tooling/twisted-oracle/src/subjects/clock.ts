/** Subject "clock": `@lr/testing`'s Clock and its DelayedCalls against Twisted's `task.Clock`. */
import type { DelayedCall } from "@lr/reactor";
import { Clock } from "@lr/testing";
import * as fc from "fast-check";
import type { Subject, Trace, TraceEvent } from "../subject.js";
import { Boom, errName } from "./errors.js";

/** One step of a clock program. Times are ms, multiples of 125 (exact in seconds). */
export type ClockOp =
  | { k: "later"; id: number; d: number; body: ClockOp[]; end: "none" | "throw" | "reject" }
  | { k: "cancel"; t: number }
  | { k: "reset"; t: number; d: number }
  | { k: "delay"; t: number; d: number }
  | { k: "active"; t: number }
  | { k: "calls" }
  | { k: "advance"; d: number; inner?: boolean };

export interface ClockProgram {
  ops: ClockOp[];
}

const time = fc.integer({ min: 0, max: 8 }).map((n) => n * 125);
const shift = fc.integer({ min: -8, max: 8 }).map((n) => n * 125);
const target = fc.nat({ max: 9 });

function opArb(depth: number): fc.Arbitrary<ClockOp> {
  const simple: fc.Arbitrary<ClockOp>[] = [
    fc.record({ k: fc.constant("cancel" as const), t: target }),
    fc.record({ k: fc.constant("reset" as const), t: target, d: time }),
    fc.record({ k: fc.constant("delay" as const), t: target, d: shift }),
    fc.record({ k: fc.constant("active" as const), t: target }),
    fc.record({ k: fc.constant("calls" as const) }),
    fc.record({ k: fc.constant("advance" as const), d: time }),
  ];
  const later = fc.record({
    k: fc.constant("later" as const),
    id: fc.constant<number>(0),
    d: time,
    body: depth > 0 ? fc.array(opArb(depth - 1), { maxLength: 3 }) : fc.constant<ClockOp[]>([]),
    end: fc.constantFrom(
      "none" as const,
      "none" as const,
      "none" as const,
      "throw" as const,
      "reject" as const,
    ),
  });
  return fc.oneof(
    { arbitrary: later, weight: 3 },
    ...simple.map((arbitrary) => ({ arbitrary, weight: 1 })),
  );
}

/** Numbers the `later` ops in pre-order and marks nested advances. */
function finish(ops: ClockOp[]): ClockProgram {
  let next = 0;
  const walk = (list: ClockOp[], inner: boolean): ClockOp[] =>
    list.map((op) => {
      if (op.k === "later") return { ...op, id: next++, body: walk(op.body, true) };
      if (op.k === "advance" && inner) return { ...op, inner: true };
      return op;
    });
  return { ops: walk(ops, false) };
}

export const clockArbitrary: fc.Arbitrary<ClockProgram> = fc
  .array(opArb(2), { minLength: 1, maxLength: 12 })
  .map(finish);

/** Runs a clock program on `@lr/testing`'s Clock. */
export async function runClock(program: ClockProgram): Promise<Trace> {
  const clock = new Clock();
  const events: TraceEvent[] = [];
  const calls = new Map<number, DelayedCall>();
  const ids = new Map<DelayedCall, number>();
  let unhandled = 0;
  const onUnhandled = (): void => {
    unhandled++;
  };
  process.on("unhandledRejection", onUnhandled);

  const guarded = (name: string, t: number, action: (dc: DelayedCall) => void): void => {
    const dc = calls.get(t);
    if (dc === undefined) {
      events.push([name, t, "none"]);
      return;
    }
    try {
      action(dc);
      events.push([name, t, "ok"]);
    } catch (error) {
      events.push([name, t, errName(error)]);
    }
  };

  const runOps = (ops: ClockOp[]): void => {
    for (const op of ops) {
      switch (op.k) {
        case "later": {
          const { body, end, id } = op;
          const dc = clock.callLater(op.d, () => {
            events.push(["run", id, clock.now()]);
            runOps(body);
            if (end === "throw") throw new Boom();
            if (end === "reject") return Promise.reject(new Boom());
            return undefined;
          });
          calls.set(id, dc);
          ids.set(dc, id);
          events.push(["later", id, dc.getTime()]);
          break;
        }
        case "cancel":
          guarded("cancel", op.t, (dc) => dc.cancel());
          break;
        case "reset":
          guarded("reset", op.t, (dc) => dc.reset(op.d));
          break;
        case "delay":
          guarded("delay", op.t, (dc) => dc.delay(op.d));
          break;
        case "active": {
          const dc = calls.get(op.t);
          events.push(["active", op.t, dc === undefined ? null : dc.active()]);
          break;
        }
        case "calls":
          events.push([
            "calls",
            clock.getDelayedCalls().map((dc) => [ids.get(dc) ?? -1, dc.getTime()]),
          ]);
          break;
        case "advance":
          try {
            clock.advance(op.d);
            events.push(["advance", op.d, "ok", clock.now()]);
          } catch (error) {
            events.push(["advance", op.d, errName(error), clock.now()]);
            if (op.inner === true) throw error;
          }
          break;
      }
    }
  };

  try {
    runOps(program.ops);
  } catch (error) {
    events.push(["escaped", errName(error)]);
  }
  events.push(["end", clock.now(), clock.getDelayedCalls().length]);
  // A rejected Promise returned by a call must not surface as an unhandled rejection.
  await new Promise((resolve) => setImmediate(resolve));
  process.off("unhandledRejection", onUnhandled);
  if (unhandled > 0) events.push(["unhandledRejection", unhandled]);
  return { events };
}

export const clockSubject: Subject<ClockProgram> = {
  name: "clock",
  title: "Clock/DelayedCall",
  module: "time",
  pySubject: "clock",
  arbitrary: clockArbitrary,
  runLr: runClock,
};
