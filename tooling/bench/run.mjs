#!/usr/bin/env node
// Runs every bench/*.bench.ts (or bench/*.ts) of the current package, each in
// its own Node process with tsx, one after the other. Exits non-zero if any fails.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const dir = join(process.cwd(), "bench");
const only = process.argv.slice(2);
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => /\.(m?ts|mjs|js)$/.test(f) && !f.endsWith(".d.ts") && !f.startsWith("_"))
      .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
      .sort()
  : [];
if (files.length === 0) {
  console.log(`no benchmarks in ${dir}`);
  process.exit(0);
}
// Resolve tsx from here (the workspace root has it) so any cwd works.
const tsx = import.meta.resolve("tsx");
let failed = 0;
for (const f of files) {
  console.log(`\n# ${f}`);
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", tsx, join(dir, f)], {
    stdio: "inherit",
  });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
