#!/usr/bin/env node
// `pnpm lint` (root): the layout rule of the developers' guide that Biome cannot check. No folder
// under packages/*/src holds more than 12 non-test source files (index.ts barrels included): a
// folder that grows past that is split into layers. (Upward imports and import cycles are Biome
// rules: style/noRestrictedImports per layer and suspicious/noImportCycles, tooling/biome/biome.json.)
// Exits 1 and lists the folders over the limit.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const LIMIT = 12;
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const TEST = /\.test\.[cm]?[jt]s$/;

/** @param {string} dir @returns {Generator<{ dir: string, count: number }>} */
function* folders(dir) {
  const entries = readdirSync(dir, { withFileTypes: true });
  const count = entries.filter(
    (e) => e.isFile() && SOURCE.test(e.name) && !TEST.test(e.name),
  ).length;
  yield { dir, count };
  for (const e of entries) if (e.isDirectory()) yield* folders(join(dir, e.name));
}

const problems = [];
for (const pkg of readdirSync(join(root, "packages"), { withFileTypes: true })) {
  if (!pkg.isDirectory()) continue;
  const src = join(root, "packages", pkg.name, "src");
  let top;
  try {
    top = readdirSync(src);
  } catch {
    continue;
  }
  if (top.length === 0) continue;
  for (const { dir, count } of folders(src)) {
    if (count <= LIMIT) continue;
    const rel = relative(root, dir).split("\\").join("/");
    problems.push(`${rel} holds ${count} non-test source files (limit ${LIMIT})`);
  }
}
if (problems.length > 0) {
  console.error(`check-layout: split these folders into layers:\n  - ${problems.join("\n  - ")}`);
  process.exit(1);
}
console.log(`check-layout: every folder under packages/*/src holds at most ${LIMIT} source files`);
