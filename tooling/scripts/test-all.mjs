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
const turbo = spawnSync(
  "pnpm",
  [
    "exec",
    "turbo",
    "run",
    "build",
    "typecheck",
    "lint",
    "//#lint:root",
    "test",
    "--continue",
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: "inherit", env },
);
const turboOk = turbo.status === 0;
if (!turboOk) {
  console.log(
    `\ntest: turbo exited with ${turbo.status ?? turbo.signal}; see the failed tasks above`,
  );
}

const summary = spawnSync(process.execPath, [join(root, "tooling/scripts/test-summary.mjs")], {
  cwd: root,
  stdio: "inherit",
});
process.exit(turboOk && summary.status === 0 ? 0 : 1);
