/** Subject "looping": LoopingCall (plain and withCount) and deferLater on a Clock, against Twisted's `task`. */
import { deferLater, LoopingCall } from "@lr/reactor";
import { Clock } from "@lr/testing";
import * as fc from "fast-check";
import type { SideRule, Subject, Trace, TraceEvent } from "../subject.js";
import { Boom, errName } from "./errors.js";

/** What a loop's function does on its n-th call. */
export type LoopAction =
  | { k: "stop" | "reset" | "running"; t: number }
  | { k: "start"; t: number; d: number; now: boolean }
  | { k: "throw" }
  | { k: "advance"; d: number }
  | { k: "cancelWait"; t: number };

export type LoopOp =
  | { k: "create"; id: number; withCount: boolean; script: Record<string, LoopAction> }
  | LoopAction
  | { k: "deferLater"; id: number; d: number; mode: "value" | "throw" };

export interface LoopProgram {
  ops: LoopOp[];
}

const interval = fc.integer({ min: 1, max: 8 }).map((n) => n * 125);
const time = fc.integer({ min: 0, max: 16 }).map((n) => n * 125);
const loopId = fc.nat({ max: 2 });
const waitId = fc.nat({ max: 3 });

const action: fc.Arbitrary<LoopAction> = fc.oneof(
  fc.record({
    k: fc.constantFrom("stop" as const, "reset" as const, "running" as const),
    t: loopId,
  }),
  fc.record({ k: fc.constant("start" as const), t: loopId, d: interval, now: fc.boolean() }),
  fc.record({ k: fc.constant("throw" as const) }),
  fc.record({ k: fc.constant("advance" as const), d: time }),
  fc.record({ k: fc.constant("cancelWait" as const), t: waitId }),
);

const op: fc.Arbitrary<LoopOp> = fc.oneof(
  { arbitrary: action.filter((a) => a.k !== "throw"), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant("advance" as const), d: time }), weight: 4 },
  {
    arbitrary: fc.record({
      k: fc.constant("deferLater" as const),
      id: waitId,
      d: time,
      mode: fc.constantFrom("value" as const, "throw" as const),
    }),
    weight: 1,
  },
);

const create = (id: number) =>
  fc.record({
    k: fc.constant("create" as const),
    id: fc.constant(id),
    withCount: fc.boolean(),
    script: fc.dictionary(fc.integer({ min: 1, max: 5 }).map(String), action, { maxKeys: 2 }),
  });

export const loopArbitrary: fc.Arbitrary<LoopProgram> = fc
  .tuple(create(0), create(1), create(2), fc.array(op, { minLength: 1, maxLength: 14 }))
  .map(([a, b, c, ops]) => ({ ops: [a, b, c, ...ops] }));

/** Runs a loop program on `@lr/reactor`'s LoopingCall and deferLater with `@lr/testing`'s Clock. */
export async function runLooping(program: LoopProgram): Promise<Trace> {
  const clock = new Clock();
  const events: TraceEvent[] = [];
  const loops = new Map<number, LoopingCall<never[]>>();
  const waits = new Map<number, AbortController>();

  const make = (spec: Extract<LoopOp, { k: "create" }>): void => {
    let n = 0;
    const body = (...count: number[]): void => {
      n += 1;
      events.push(["tick", spec.id, clock.now(), ...count]);
      const a = spec.script[String(n)];
      if (a !== undefined) run(a);
    };
    const lc = spec.withCount
      ? LoopingCall.withCount((c) => body(c))
      : new LoopingCall(() => body());
    lc.clock = clock;
    loops.set(spec.id, lc as LoopingCall<never[]>);
  };

  const settleOf = (kind: string, key: number, p: Promise<unknown>): void => {
    p.then(
      (value) => events.push(["settled", kind, key, "ok", kind === "wait" ? value : null]),
      (error: unknown) => events.push(["settled", kind, key, errName(error), null]),
    );
  };

  const run = (o: LoopOp): void => {
    switch (o.k) {
      case "create":
        make(o);
        return;
      case "start": {
        const lc = loops.get(o.t);
        if (lc === undefined) {
          events.push(["start", o.t, "none"]);
          return;
        }
        if (lc.running) {
          events.push(["start", o.t, "running"]);
          return;
        }
        const p = lc.start(o.d, o.now);
        events.push(["start", o.t, "ok"]);
        settleOf("loop", o.t, p);
        return;
      }
      case "stop":
      case "reset": {
        const lc = loops.get(o.t);
        if (lc === undefined) {
          events.push([o.k, o.t, "none"]);
          return;
        }
        if (!lc.running) {
          events.push([o.k, o.t, "not-running"]);
          return;
        }
        if (o.k === "stop") lc.stop();
        else lc.reset();
        events.push([o.k, o.t, "ok"]);
        return;
      }
      case "throw":
        throw new Boom();
      case "running": {
        const lc = loops.get(o.t);
        events.push(["running", o.t, lc === undefined ? null : lc.running]);
        return;
      }
      case "advance":
        clock.advance(o.d);
        events.push(["advance", o.d, clock.now()]);
        return;
      case "deferLater": {
        const controller = new AbortController();
        const id = o.id;
        const mode = o.mode;
        waits.set(id, controller);
        settleOf(
          "wait",
          id,
          deferLater(clock, o.d, {
            signal: controller.signal,
            call: () => {
              events.push(["deferred-call", id, clock.now()]);
              if (mode === "throw") throw new Boom();
              return id * 10;
            },
          }),
        );
        return;
      }
      case "cancelWait": {
        const c = waits.get(o.t);
        if (c === undefined) events.push(["cancelWait", o.t, "none"]);
        else {
          c.abort();
          events.push(["cancelWait", o.t, "ok"]);
        }
        return;
      }
    }
  };

  for (const o of program.ops) {
    run(o);
    await new Promise((resolve) => setImmediate(resolve));
  }
  events.push(["end", clock.now(), clock.getDelayedCalls().length]);
  return { events };
}

/**
 * Documented deviation "promise-settles-later": a Deferred's callbacks run synchronously when it
 * fires, a Promise's reactions on a later microtask. The settlement events are compared as a set,
 * apart from the order of the other events.
 */
export const settlesLater: SideRule<unknown> = {
  id: "promise-settles-later",
  rewrite(_program, twisted, lr) {
    const split = (events: TraceEvent[]) => {
      const settled = events
        .filter((e) => e[0] === "settled")
        .map((e) => JSON.stringify(e))
        .sort();
      return [...events.filter((e) => e[0] !== "settled"), ["settled-set", settled]];
    };
    return { twisted: split(twisted.events), lr: split(lr.events) };
  },
};

export const loopingSubject: Subject<LoopProgram> = {
  name: "looping",
  title: "LoopingCall/deferLater",
  module: "time",
  pySubject: "looping",
  arbitrary: loopArbitrary,
  runLr: runLooping,
  rules: [settlesLater],
};
