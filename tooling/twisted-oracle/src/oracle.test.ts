/**
 * The differential oracle in `pnpm test`: every subject, about 2,000 programs each, against Twisted
 * 22.4. Without Twisted the suite is skipped locally (with a one-line message) and fails under CI=true.
 * `pnpm oracle --programs N --seed S` runs deeper; ORACLE_SEED / ORACLE_PROGRAMS change this run.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RULES } from "./deviations.js";
import { reportLine, runSubject } from "./harness.js";
import { INSTALL_HINT, TwistedWorker, twistedVersion } from "./python.js";
import { CHECKED_SUBJECTS } from "./subjects/index.js";

const version = twistedVersion();
const seed = Number(process.env.ORACLE_SEED ?? 20261201);
const programs =
  process.env.ORACLE_PROGRAMS === undefined ? undefined : Number(process.env.ORACLE_PROGRAMS);

if (version === null) console.log(INSTALL_HINT);

describe("Twisted", () => {
  it.runIf(process.env.CI === "true")(
    "is importable under CI (apt-get install python3-twisted)",
    () => {
      expect(version, INSTALL_HINT).not.toBeNull();
    },
  );
});

describe.skipIf(version === null)(
  `differential oracle against Twisted ${version ?? "(missing)"}, seed ${seed}`,
  () => {
    let worker: TwistedWorker;
    beforeAll(() => {
      worker = new TwistedWorker();
    });
    afterAll(async () => {
      await worker.close();
    });

    for (const subject of CHECKED_SUBJECTS) {
      it(subject.title, async () => {
        const n = programs ?? subject.budget ?? 2000;
        const report = await runSubject(subject, worker, { programs: n, seed });
        console.log(reportLine(report));
        expect(report.failure, report.failure).toBeUndefined();
        expect(report.undocumented).toBe(0);
        expect(report.programs).toBe(n);
        // Each program was either identical or explained by documented rules; none went unjudged.
        expect(report.agree + report.documentedPrograms).toBe(n);
      });
    }
  },
);

describe("documented deviations", () => {
  const page = readFileSync(
    fileURLToPath(new URL("../../../docs/differences-from-twisted.md", import.meta.url)),
    "utf8",
  );
  for (const id of RULES.keys()) {
    it(`${id} is listed on docs/differences-from-twisted.md`, () => {
      expect(page).toContain(`\`${id}\``);
    });
  }
});
