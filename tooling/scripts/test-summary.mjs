#!/usr/bin/env node
// Sums vitest JSON results (numPassedTests / numFailedTests) over every
// package and prints "N passed, M failed" as the last line. A test file that
// failed to load (so it has no failed test to count) counts as one failure.
// Exits 1 if anything failed or if no test ran at all.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { resultFiles, root } from "./results.mjs";

let passed = 0;
let failed = 0;
let skipped = 0;
const files = resultFiles();
for (const file of files) {
  const where = relative(root, file);
  let r;
  try {
    r = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`test-summary: cannot read ${where}: ${e.message}`);
    failed++;
    continue;
  }
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  for (const suite of r.testResults ?? []) {
    const failedInSuite = (suite.assertionResults ?? []).filter(
      (a) => a.status === "failed",
    ).length;
    if (suite.status === "failed" && failedInSuite === 0) {
      console.error(
        `test-summary: ${relative(root, suite.name)} failed to run: ${(suite.message ?? "").split("\n")[0]}`,
      );
      failed++;
    }
  }
  console.log(
    `test-summary: ${where}: ${r.numPassedTests ?? 0} passed, ${r.numFailedTests ?? 0} failed`,
  );
}
if (files.length === 0) console.error("test-summary: no vitest results found");
if (skipped > 0) console.log(`test-summary: ${skipped} skipped or todo`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
