/**
 * `pnpm oracle [--programs N] [--seed S] [--subject NAME]`: runs the differential oracle deeper than
 * `pnpm test` does (default 2000 programs per subject, a random seed that is printed for replay).
 * Exit status 1 on an undocumented divergence, or when Twisted is missing under CI=true.
 */
import { parseArgs } from "node:util";
import { reportLine, runSubject } from "./harness.js";
import { INSTALL_HINT, TwistedWorker, twistedVersion } from "./python.js";
import { SUBJECTS } from "./subjects/index.js";

const { values } = parseArgs({
  options: {
    programs: { type: "string", default: "2000" },
    seed: { type: "string" },
    subject: { type: "string", multiple: true },
    survey: { type: "string", default: "0" },
  },
});
const programs = Number(values.programs);
if (!Number.isInteger(programs) || programs <= 0) {
  console.error(`oracle: --programs needs a positive integer, got ${values.programs}`);
  process.exit(2);
}
const seed =
  values.seed === undefined ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : Number(values.seed);
if (!Number.isInteger(seed)) {
  console.error(`oracle: --seed needs an integer, got ${values.seed}`);
  process.exit(2);
}
const wanted = values.subject;
const subjects = wanted ? SUBJECTS.filter((s) => wanted.includes(s.name)) : SUBJECTS;
if (wanted && subjects.length !== wanted.length) {
  console.error(`oracle: unknown subject; known: ${SUBJECTS.map((s) => s.name).join(", ")}`);
  process.exit(2);
}

const version = twistedVersion();
if (version === null) {
  console.log(INSTALL_HINT);
  process.exit(process.env.CI === "true" ? 1 : 0);
}
console.log(`oracle: Twisted ${version}, seed ${seed}, ${programs} programs per subject`);
const started = performance.now();
let failed = false;
const worker = new TwistedWorker();
try {
  for (const subject of subjects) {
    const report = await runSubject(subject, worker, {
      programs,
      seed,
      survey: Number(values.survey),
    });
    console.log(`${reportLine(report)} [${(report.ms / 1000).toFixed(1)} s]`);
    if (report.failure !== undefined) {
      failed = true;
      console.log(report.failure);
    }
  }
} finally {
  await worker.close();
}
console.log(`oracle: ${((performance.now() - started) / 1000).toFixed(1)} s in total`);
process.exit(failed ? 1 : 0);
