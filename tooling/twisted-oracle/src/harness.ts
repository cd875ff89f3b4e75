import * as fc from "fast-check";
import { compareTraces, type Verdict } from "./compare.js";
import type { TwistedWorker } from "./python.js";
import type { Subject } from "./subject.js";

/** How one subject went. */
export interface SubjectReport {
  readonly subject: string;
  readonly title: string;
  /** Programs compared (the shrinking runs of a failure are not counted). */
  readonly programs: number;
  /** Programs whose traces are identical. */
  readonly agree: number;
  /** Programs equal only once documented deviations were applied. */
  readonly documentedPrograms: number;
  /** How many programs each documented deviation was applied to. */
  readonly documented: ReadonlyMap<string, number>;
  /** Undocumented divergences (0 or 1: the run stops at the first and shrinks it). */
  readonly undocumented: number;
  /** The shrunk counterexample, with both traces, when `undocumented > 0`. */
  readonly failure?: string;
  readonly ms: number;
}

/** Options of {@link runSubject}. */
export interface RunOptions {
  readonly programs: number;
  readonly seed: number;
  /** Programs per Python request (default 200). */
  readonly batch?: number;
  /**
   * Go on after a divergence and list up to this many more (unshrunk), to survey a subject
   * (default 0: stop at the first and shrink it).
   */
  readonly survey?: number;
}

/** The report line the issue asks for. */
export function reportLine(r: SubjectReport): string {
  const documented = r.documentedPrograms;
  const agreeing = r.agree + documented;
  const detail =
    documented > 0
      ? ` (${documented} through documented deviations: ${[...r.documented]
          .map(([id, n]) => `${id} ${n}`)
          .join(", ")})`
      : "";
  return `${r.title}: ${agreeing} programs agree, ${r.undocumented} undocumented divergences${detail}`;
}

/**
 * Generates `programs` programs of `subject` from `seed`, runs them on Twisted (batched) and on lr,
 * compares. On the first undocumented divergence, fast-check shrinks it (one Python request per
 * candidate) and the report carries the smallest program found with both traces.
 */
export async function runSubject<P>(
  subject: Subject<P>,
  worker: TwistedWorker,
  options: RunOptions,
): Promise<SubjectReport> {
  const started = performance.now();
  const batch = options.batch ?? 200;
  const programs = fc.sample(subject.arbitrary, { seed: options.seed, numRuns: options.programs });
  const documented = new Map<string, number>();
  let agree = 0;
  let documentedPrograms = 0;
  let firstBad: { index: number; verdict: Verdict } | null = null;
  const surveyed: string[] = [];
  const survey = options.survey ?? 0;
  for (let i = 0; i < programs.length && firstBad === null; i += batch) {
    const slice = programs.slice(i, i + batch);
    const traces = await worker.run(subject.module, subject.pySubject, slice);
    for (let j = 0; j < slice.length; j++) {
      const program = slice[j] as P;
      const verdict = compareTraces(
        subject,
        program,
        traces[j] ?? { events: [] },
        await subject.runLr(program),
      );
      if (verdict.kind === "agree") agree++;
      else if (verdict.kind === "documented") {
        documentedPrograms++;
        for (const id of verdict.rules) documented.set(id, (documented.get(id) ?? 0) + 1);
      } else if (surveyed.length < survey && verdict.kind === "divergent") {
        surveyed.push(
          `#${i + j}: ${JSON.stringify(program)}\n  twisted: ${JSON.stringify(verdict.twisted)}\n  lr:      ${JSON.stringify(verdict.lr)}`,
        );
      } else {
        firstBad = { index: i + j, verdict };
        break;
      }
    }
  }
  let failure: string | undefined = surveyed.length > 0 ? surveyed.join("\n") : undefined;
  if (firstBad !== null && survey === 0) {
    failure = await shrink(subject, worker, options.seed, programs.length, firstBad.index);
  }
  return {
    subject: subject.name,
    title: subject.title,
    programs: firstBad === null ? programs.length : firstBad.index + 1,
    agree,
    documentedPrograms,
    documented,
    undocumented: (firstBad === null ? 0 : 1) + surveyed.length,
    ...(failure === undefined ? {} : { failure }),
    ms: performance.now() - started,
  };
}

async function verdictOf<P>(
  subject: Subject<P>,
  worker: TwistedWorker,
  program: P,
): Promise<Verdict> {
  const [trace] = await worker.run(subject.module, subject.pySubject, [program]);
  return compareTraces(subject, program, trace ?? { events: [] }, await subject.runLr(program));
}

async function shrink<P>(
  subject: Subject<P>,
  worker: TwistedWorker,
  seed: number,
  numRuns: number,
  index: number,
): Promise<string> {
  let last: { program: P; verdict: Verdict } | null = null;
  const result = await fc.check(
    fc.asyncProperty(subject.arbitrary, async (program) => {
      const verdict = await verdictOf(subject, worker, program);
      if (verdict.kind === "divergent") {
        last = { program, verdict };
        return false;
      }
      return true;
    }),
    { seed, numRuns, endOnFailure: false },
  );
  const found = last as { program: P; verdict: Verdict } | null;
  if (found === null || found.verdict.kind !== "divergent") {
    return `program #${index} of seed ${seed} diverged, but fast-check did not reproduce it (flaky runner?)`;
  }
  const v = found.verdict;
  return [
    `undocumented divergence in ${subject.title} (seed ${seed}, program #${index}; replay: --subject ${subject.name} --seed ${seed} --programs ${index + 1}${result.counterexamplePath ? `, path ${result.counterexamplePath}` : ""}):`,
    `program: ${JSON.stringify(found.program)}`,
    `twisted: ${JSON.stringify(v.twisted)}`,
    `lr:      ${JSON.stringify(v.lr)}`,
  ].join("\n");
}
