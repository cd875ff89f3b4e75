// Where each workspace package's vitest JSON results are written (see the
// `test` scripts: --outputFile.json=.vitest-results/results.json).
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const RESULTS_DIR = ".vitest-results";

/** Every package folder of the workspace (packages/*, apps/*, tooling/*, examples). */
export function workspaceDirs() {
  const dirs = [];
  for (const single of ["examples"]) {
    if (existsSync(join(root, single, "package.json"))) dirs.push(join(root, single));
  }
  for (const group of ["packages", "apps", "tooling"]) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(base, entry.name, "package.json"))) {
        dirs.push(join(base, entry.name));
      }
    }
  }
  return dirs;
}

/** Every results file currently on disk. */
export function resultFiles() {
  const files = [];
  for (const dir of workspaceDirs()) {
    const d = join(dir, RESULTS_DIR);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (f.endsWith(".json")) files.push(join(d, f));
  }
  return files;
}
