/** Subject "events": startup/shutdown system event triggers, callWhenRunning and stop on a real reactor. */
import { createReactor, nullLogger, ReactorNotRunning, type TriggerId } from "@lr/reactor";
import * as fc from "fast-check";
import type { SideRule, Subject, Trace, TraceEvent } from "../subject.js";
import { Boom, errName } from "./errors.js";

export type EventAction =
  | { k: "stop" | "running" | "throw" }
  | { k: "later" | "cwr" | "wait"; id: number; body: EventAction[] }
  | { k: "remove"; t: number };

export interface EventTrigger {
  id: number;
  phase: "before" | "during" | "after";
  event: "startup" | "shutdown";
  body: EventAction[];
}

export interface EventProgram {
  triggers: EventTrigger[];
  whenRunning: { id: number; k: "cwr"; body: EventAction[] }[];
}

function actionArb(depth: number): fc.Arbitrary<EventAction> {
  const leaf: fc.Arbitrary<EventAction>[] = [
    fc.record({ k: fc.constantFrom("stop" as const, "running" as const, "throw" as const) }),
    fc.record({ k: fc.constant("remove" as const), t: fc.nat({ max: 5 }) }),
  ];
  if (depth === 0) return fc.oneof(...leaf);
  const nested = fc.record({
    k: fc.constantFrom("later" as const, "cwr" as const, "wait" as const),
    id: fc.constant(0),
    body: fc.array(actionArb(depth - 1), { maxLength: 2 }),
  });
  return fc.oneof(...leaf, nested, nested);
}

const body = fc.array(actionArb(2), { maxLength: 3 });

/** Numbers nested actions so that every `later`/`cwr`/`wait` has its own id. */
function number(program: EventProgram): EventProgram {
  let next = 100;
  const walk = (list: EventAction[]): EventAction[] =>
    list.map((a) => ("body" in a ? { ...a, id: next++, body: walk(a.body) } : a));
  return {
    triggers: program.triggers.map((t) => ({ ...t, body: walk(t.body) })),
    whenRunning: program.whenRunning.map((w) => ({ ...w, body: walk(w.body) })),
  };
}

export const eventArbitrary: fc.Arbitrary<EventProgram> = fc
  .record({
    triggers: fc.array(
      fc.record({
        id: fc.constant(0),
        phase: fc.constantFrom("before" as const, "during" as const, "after" as const),
        event: fc.constantFrom("startup" as const, "shutdown" as const),
        body,
      }),
      { maxLength: 5 },
    ),
    whenRunning: fc.array(fc.record({ id: fc.constant(0), k: fc.constant("cwr" as const), body }), {
      maxLength: 2,
    }),
  })
  .map((p) => {
    const triggers = p.triggers.map((t, i) => ({ ...t, id: i }));
    // Every program ends: the last callWhenRunning stops the reactor.
    const whenRunning = [
      ...p.whenRunning,
      { id: 0, k: "cwr" as const, body: [{ k: "stop" as const }] },
    ].map((w, i) => ({ ...w, id: 50 + i }));
    return number({ triggers, whenRunning });
  });

/** Runs one program on a fresh `@lr/reactor` Reactor (real time, delays 0). */
export async function runEvents(program: EventProgram): Promise<Trace> {
  const r = createReactor({ logger: nullLogger, triggerTimeoutMs: 2000 });
  const events: TraceEvent[] = [];
  const ids = new Map<number, TriggerId>();

  const runBody = (list: EventAction[]): Promise<void> | undefined => {
    for (const a of list) {
      switch (a.k) {
        case "stop":
          try {
            void r.stop();
            events.push(["stop", "ok"]);
          } catch (error) {
            events.push([
              "stop",
              error instanceof ReactorNotRunning ? "ReactorNotRunning" : errName(error),
            ]);
          }
          break;
        case "later":
          r.callLater(0, () => {
            events.push(["later", a.id]);
            runBody(a.body);
          });
          break;
        case "cwr":
          r.callWhenRunning(() => {
            events.push(["cwr", a.id]);
            runBody(a.body);
          });
          break;
        case "remove": {
          const id = ids.get(a.t);
          ids.delete(a.t);
          if (id === undefined) events.push(["remove", a.t, "none"]);
          else {
            try {
              r.removeSystemEventTrigger(id);
              events.push(["remove", a.t, "ok"]);
            } catch {
              events.push(["remove", a.t, "gone"]);
            }
          }
          break;
        }
        case "running":
          events.push(["running", r.running]);
          break;
        case "throw":
          throw new Boom();
        case "wait":
          return new Promise<void>((resolve) => {
            r.callLater(0, () => {
              events.push(["waited", a.id]);
              try {
                runBody(a.body);
              } finally {
                resolve();
              }
            });
          });
      }
    }
    return undefined;
  };

  for (const t of program.triggers) {
    ids.set(
      t.id,
      r.addSystemEventTrigger(t.phase, t.event, () => {
        events.push(["trigger", t.id, t.phase, t.event]);
        return runBody(t.body);
      }),
    );
  }
  for (const w of program.whenRunning) {
    r.callWhenRunning(() => {
      events.push(["cwr", w.id]);
      runBody(w.body);
    });
  }
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      events.push(["watchdog"]);
      resolve();
    }, 5000);
  });
  await Promise.race([r.run(), watchdog]);
  clearTimeout(timer);
  if (r.state !== "stopped") {
    try {
      await r.stop();
    } catch {
      // already stopping
    }
  }
  events.push(["returned"]);
  return { events };
}

/**
 * "triggers-persist": lr's system event triggers stay registered after they fired (a reactor can be
 * run again), Twisted's are consumed by the firing. So removing a trigger that already fired works
 * in lr and fails in Twisted: a remove reported "gone" by Twisted for a trigger whose firing is in
 * the trace is "ok" in lr.
 */
const triggersPersist: SideRule<EventProgram> = {
  id: "triggers-persist",
  rewrite(_program, twisted, lr) {
    const fired = new Set<unknown>();
    let changed = false;
    const t = twisted.events.map((e, i) => {
      if (e[0] === "trigger") fired.add(e[1]);
      const l = lr.events[i];
      if (
        e[0] === "remove" &&
        e[2] === "gone" &&
        fired.has(e[1]) &&
        l?.[0] === "remove" &&
        l[1] === e[1] &&
        l[2] === "ok"
      ) {
        changed = true;
        return l;
      }
      return e;
    });
    return changed ? { twisted: t, lr: lr.events } : null;
  },
};

export const eventsSubject: Subject<EventProgram> = {
  name: "events",
  title: "system events",
  module: "events",
  pySubject: "events",
  arbitrary: eventArbitrary,
  runLr: runEvents,
  rules: [triggersPersist],
};
