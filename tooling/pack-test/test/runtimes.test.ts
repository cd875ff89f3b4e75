// The runtime matrix: the smoke suite (smoke/smoke.mjs) of the packed packages
// on Node 20, 22 and 24, Bun and Deno. Each runtime comes from the npm
// registry (the `node`, `bun` and `deno` packages) and is cached in
// .cache/runtimes/ at the repository root (gitignored), so a second run does
// not download anything. `LR_RUNTIMES=node22,bun` runs a subset;
// `LR_RUNTIMES_CACHE=dir` moves the cache.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { installConsumer, root, sh } from "./support/packed.js";

interface Runtime {
  id: string;
  /** What `npm install` fetches. */
  spec: string;
  /** The executable inside the install folder. */
  bin: string;
  /** Arguments before the script. */
  args: string[];
}

/** The matrix. The README's "Runtimes" section lists the same. */
const RUNTIMES: Runtime[] = [
  { id: "node20", spec: "node@20", bin: "node_modules/node/bin/node", args: [] },
  { id: "node22", spec: "node@22", bin: "node_modules/node/bin/node", args: [] },
  { id: "node24", spec: "node@24", bin: "node_modules/node/bin/node", args: [] },
  { id: "bun", spec: "bun@1", bin: "node_modules/bun/bin/bun.exe", args: [] },
  { id: "deno", spec: "deno@2", bin: "node_modules/deno/deno", args: ["run", "-A"] },
];

/** Every check of smoke/smoke.mjs, in its order. */
const CHECKS = [
  "tcpRestartLoop",
  "endpoints",
  "unixSockets",
  "clock",
  "deferToThread",
  "webStreamSplitter",
  "requireEsm",
  "diagnosticsChannel",
] as const;

/**
 * What a runtime is known to lack, as measured: runtime id → check → why. Such a check must
 * still FAIL there (so that a runtime that gains the feature is noticed and this list and the
 * README are updated). Empty: every check passed on every runtime of the matrix.
 */
const KNOWN_GAPS: Record<string, Partial<Record<(typeof CHECKS)[number], string>>> = {};

const selected = (process.env.LR_RUNTIMES ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const matrix = selected.length > 0 ? RUNTIMES.filter((r) => selected.includes(r.id)) : RUNTIMES;
const cache = resolve(process.env.LR_RUNTIMES_CACHE ?? join(root, ".cache", "runtimes"));
const smokeDir = join(dirname(fileURLToPath(import.meta.url)), "..", "smoke");

/** Installs the runtime into the cache unless it is there; returns the executable. */
async function ensureRuntime(rt: Runtime): Promise<string> {
  const dir = join(cache, rt.id);
  const bin = join(dir, rt.bin);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ private: true })}\n`);
  await sh(
    "npm",
    ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", rt.spec],
    dir,
    180_000,
  );
  if (!existsSync(bin)) throw new Error(`npm install ${rt.spec} left no ${rt.bin} in ${dir}`);
  return bin;
}

interface CheckResult {
  check: string;
  ok: boolean;
  ms: number;
  error?: string;
}

const packed = inject("packed");
let consumer = "";

beforeAll(async () => {
  consumer = await installConsumer(join(packed.work, "runtimes"), packed);
  for (const f of ["smoke.mjs", "job.mjs"]) copyFileSync(join(smokeDir, f), join(consumer, f));
}, 240_000);

describe.each(matrix)("$id", (rt) => {
  let results = new Map<string, CheckResult>();
  let version = "";

  beforeAll(async () => {
    const bin = await ensureRuntime(rt);
    version = (await sh(bin, ["--version"], consumer, 30_000)).stdout.trim().split("\n")[0] ?? "";
    // Deno reads node_modules through the package.json of the consumer; Node and Bun as usual.
    const { stdout } = await sh(bin, [...rt.args, "smoke.mjs"], consumer, 90_000, {
      NO_COLOR: "1",
      DENO_NO_UPDATE_CHECK: "1",
    });
    results = new Map(
      stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as CheckResult)
        .map((r) => [r.check, r]),
    );
    const line = CHECKS.map((c) => `${c} ${results.get(c)?.ok ? "ok" : "FAILED"}`).join(", ");
    console.log(`runtimes: ${rt.id} (${version}): ${line}`);
  }, 240_000);

  it.each(CHECKS)("%s", (check) => {
    const r = results.get(check);
    expect(r, `${check} printed no result on ${rt.id} ${version}`).toBeDefined();
    const gap = KNOWN_GAPS[rt.id]?.[check];
    if (gap) {
      expect(
        r?.ok,
        `${check} passes on ${rt.id} now: remove it from KNOWN_GAPS and the README`,
      ).toBe(false);
    } else {
      expect(r?.error ?? "", `${check} on ${rt.id} ${version}`).toBe("");
      expect(r?.ok).toBe(true);
    }
  });
});
