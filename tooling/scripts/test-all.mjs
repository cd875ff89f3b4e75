#!/usr/bin/env node
// `pnpm test`: build, typecheck, lint (biome + publint + attw), every
// package's vitest suite (the pack-and-install test included), then the
// summary line "N passed, M failed". Non-zero exit if any step failed or no
// test ran. Extra arguments go to turbo, e.g. `pnpm test --filter @lr/reactor`.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { RESULTS_DIR, root, workspaceDirs } from "./results.mjs";

// Results of an earlier run must not be counted again.
for (const dir of workspaceDirs()) rmSync(join(dir, RESULTS_DIR), { recursive: true, force: true });

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
// .ci/run quiets pnpm's own trailer for `pnpm test`; the tasks keep pnpm's normal output.
delete env.npm_config_loglevel;
const extra = process.argv.slice(2);
/** @param {string[]} args */
function turbo(args) {
  const r = spawnSync("pnpm", ["exec", "turbo", "run", ...args, "--continue", ...extra], {
    cwd: root,
    stdio: "inherit",
    env,
  });
  return r.status === 0;
}

// 1. build, typecheck, lint: cached by turbo, run in parallel.
const checksOk = turbo(["build", "typecheck", "lint", "//#lint:root"]);
// 2. tests: never cached, one package at a time so that timing-sensitive
//    suites (timeouts, e2e processes, the npm install of the pack test) do
//    not compete for the CPU. Builds they depend on are cache hits by now.
const testsOk = turbo(["test", "--concurrency=1"]);
const turboOk = checksOk && testsOk;
if (!turboOk) {
  console.log(
    `\ntest: ${checksOk ? "" : "build/typecheck/lint failed; "}${testsOk ? "" : "tests failed; "}see the failed tasks above`,
  );
}

const summary = spawnSync(process.execPath, [join(root, "tooling/scripts/test-summary.mjs")], {
  cwd: root,
  stdio: "inherit",
});
process.exit(turboOk && summary.status === 0 ? 0 : 1);
