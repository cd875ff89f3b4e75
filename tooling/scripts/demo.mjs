#!/usr/bin/env node
// `pnpm demo`: the main job. Placeholder until the apps team replaces the body:
// it builds everything, then says so.
import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const build = spawnSync("pnpm", ["build"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
});
if (build.status !== 0) process.exit(build.status ?? 1);
console.log(
  "lr demo: everything is built; the server/client demo is coming (apps/server, apps/client).",
);
