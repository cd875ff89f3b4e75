import type * as fc from "fast-check";

/** One step of a trace: an event name followed by JSON values. */
export type TraceEvent = readonly unknown[];

/** What a runner prints for one program. */
export interface Trace {
  /** What happened, in order. */
  events: TraceEvent[];
  /**
   * Set by the Twisted runner when a documented deviation was applied on its side (the program
   * was run a second time with Twisted patched to the lr rule, and `events` is that run).
   */
  deviations?: string[];
  /** Not compared: a detail for the failure report (e.g. the error message). */
  note?: string;
}

/** Events of both sides after a rule has rewritten them. */
export interface RuleOutcome {
  readonly twisted: TraceEvent[];
  readonly lr: TraceEvent[];
}

/** A documented deviation applied on the TypeScript side: rewrites both traces, or `null` if it does not apply. */
export interface SideRule<P> {
  /** Rule id, listed on docs/differences-from-twisted.md. */
  readonly id: string;
  /** `twisted`/`lr` carry the events as rewritten by earlier rules, and each side's `note`. */
  rewrite(program: P, twisted: Trace, lr: Trace): RuleOutcome | null;
}

/** One subject of the oracle: a program generator and an lr runner, against a Python runner. */
export interface Subject<P> {
  /** Short name (CLI `--subject`, test names). */
  readonly name: string;
  /** What the report line calls it. */
  readonly title: string;
  /** Python module `python/subjects_<module>.py` and the subject registered there. */
  readonly module: string;
  readonly pySubject: string;
  /** Programs, seeded through fast-check (so failures shrink and replay). */
  readonly arbitrary: fc.Arbitrary<P>;
  /** Runs one program on lr. */
  runLr(program: P): Promise<Trace> | Trace;
  /** Documented deviations that are applied on this side. */
  readonly rules?: readonly SideRule<P>[];
  /** Compares two values inside events (default: strict JSON equality). */
  readonly approx?: boolean;
  /** Programs in the `pnpm test` budget (default 2000). */
  readonly budget?: number;
}
