import { isDeepStrictEqual } from "node:util";
import { RULES } from "./deviations.js";
import type { Subject, Trace, TraceEvent } from "./subject.js";

/** The verdict on one program. */
export type Verdict =
  | { readonly kind: "agree" }
  | { readonly kind: "documented"; readonly rules: readonly string[] }
  | {
      readonly kind: "divergent";
      readonly reason: string;
      readonly twisted: TraceEvent[];
      readonly lr: TraceEvent[];
    };

function approxEqual(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") {
    if (a === b) return true;
    return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => approxEqual(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return (
      isDeepStrictEqual(ka, kb) &&
      ka.every((k) =>
        approxEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  }
  return isDeepStrictEqual(a, b);
}

/** Compares Twisted's and lr's traces of one program, applying the documented deviations. */
export function compareTraces<P>(
  subject: Subject<P>,
  program: P,
  twisted: Trace,
  lr: Trace,
): Verdict {
  const equal = (a: TraceEvent[], b: TraceEvent[]) =>
    subject.approx ? approxEqual(a, b) : isDeepStrictEqual(a, b);
  const applied: string[] = [];
  for (const id of twisted.deviations ?? []) {
    if (!RULES.has(id)) {
      return {
        kind: "divergent",
        reason: `the Twisted runner applied rule ${id}, which is not documented`,
        twisted: twisted.events,
        lr: lr.events,
      };
    }
    applied.push(id);
  }
  let t = twisted.events;
  let l = lr.events;
  if (equal(t, l))
    return applied.length === 0 ? { kind: "agree" } : { kind: "documented", rules: applied };
  for (const rule of subject.rules ?? []) {
    const out = rule.rewrite(program, { ...twisted, events: t }, { ...lr, events: l });
    if (out === null) continue;
    if (!RULES.has(rule.id)) throw new Error(`rule ${rule.id} is not in deviations.ts`);
    applied.push(rule.id);
    t = out.twisted;
    l = out.lr;
    if (equal(t, l)) return { kind: "documented", rules: applied };
  }
  return { kind: "divergent", reason: "traces differ", twisted: twisted.events, lr: lr.events };
}
