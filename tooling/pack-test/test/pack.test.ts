// Pack each publishable package the way `pnpm publish` would, install the
// tarballs with plain npm in a folder outside the workspace and use them there
// like a consumer: ESM import, CommonJS require (Node >= 20.19), tsc with
// nodenext and bundler resolution, and small real programs.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const nodeTypes = join(root, "node_modules", "@types");
const pkgs = [
  { name: "@lr/reactor", dir: "packages/reactor" },
  { name: "@lr/testing", dir: "packages/testing" },
  { name: "@lr/line-protocol", dir: "packages/line-protocol" },
] as const;

let work = "";
let consumer = "";
const tarballs: Record<string, string> = {};
const manifests: Record<string, Record<string, unknown>> = {};

async function sh(cmd: string, args: string[], cwd: string, timeout = 60_000) {
  try {
    return await run(cmd, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024, env: cleanEnv() });
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${cmd} ${args.join(" ")} failed in ${cwd}: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`,
    );
  }
}

// pnpm puts its own npm_* variables in the environment of scripts; the
// consumer must behave like a fresh shell, not like a workspace script. Only
// the network settings (registry, certificates, proxies, cache) are kept.
const KEEP =
  /^npm_config_(registry|cafile|ca|cert|key|strict_ssl|proxy|https_proxy|noproxy|cache)$/i;
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (KEEP.test(k) || !/^(npm_|pnpm_|NODE_OPTIONS$|VITEST|TURBO_)/i.test(k)) env[k] = v;
  }
  return env;
}

const node = (file: string) => sh(process.execPath, [file], consumer, 30_000);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "lr-pack-test-"));
  const packs = join(work, "tarballs");
  consumer = join(work, "consumer");
  mkdirSync(packs);
  mkdirSync(consumer);
  for (const p of pkgs) {
    const before = new Set(readdirSync(packs));
    await sh("pnpm", ["pack", "--pack-destination", packs], join(root, p.dir));
    const tgz = readdirSync(packs).find((f) => !before.has(f) && f.endsWith(".tgz"));
    if (!tgz) throw new Error(`pnpm pack produced no tarball for ${p.name}`);
    tarballs[p.name] = join(packs, tgz);
    const { stdout } = await sh("tar", ["-xzOf", join(packs, tgz), "package/package.json"], packs);
    manifests[p.name] = JSON.parse(stdout) as Record<string, unknown>;
  }
  writeFileSync(
    join(consumer, "package.json"),
    `${JSON.stringify({ name: "lr-consumer", private: true, type: "module" }, null, 2)}\n`,
  );
  await sh(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      "--loglevel=error",
      ...pkgs.map((p) => tarballs[p.name] as string),
    ],
    consumer,
    150_000,
  );
}, 180_000);

afterAll(() => {
  if (work && !process.env.LR_KEEP_PACK_TEST) rmSync(work, { recursive: true, force: true });
});

describe("packed tarballs", () => {
  it.each(pkgs.map((p) => p.name))("%s has no workspace: specifiers left", (name) => {
    const m = manifests[name];
    expect(m).toBeDefined();
    expect(JSON.stringify(m)).not.toContain("workspace:");
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
      const deps = (m?.[field] ?? {}) as Record<string, string>;
      for (const [dep, range] of Object.entries(deps)) {
        if (dep.startsWith("@lr/")) expect(range).toMatch(/^\^?\d+\.\d+\.\d+/);
      }
    }
  });

  it("ships dist with types and no tests", async () => {
    for (const p of pkgs) {
      const { stdout } = await sh("tar", ["-tzf", tarballs[p.name] as string], work);
      const files = stdout.split("\n").filter(Boolean);
      expect(files, p.name).toContain("package/dist/index.js");
      expect(files, p.name).toContain("package/dist/index.d.ts");
      expect(files, p.name).toContain("package/LICENSE");
      expect(
        files.filter((f) => /\.test\.|\/test\/|\/tests\//.test(f)),
        p.name,
      ).toEqual([]);
    }
  });
});

describe("installed with npm outside the workspace", () => {
  it("imports every package as ESM", async () => {
    writeFileSync(
      join(consumer, "esm.mjs"),
      `import { createReactor, Protocol, Factory } from "@lr/reactor";
import { Clock } from "@lr/testing";
import { LineDecoder, LineReceiver } from "@lr/line-protocol";
const found = { createReactor, Protocol, Factory, Clock, LineDecoder, LineReceiver };
for (const [k, v] of Object.entries(found)) if (typeof v !== "function") throw new Error(k + " is " + typeof v);
// The ./vitest subpath must resolve (loading it needs vitest, an optional peer).
import.meta.resolve("@lr/testing/vitest");
console.log("esm ok");
`,
    );
    expect((await node("esm.mjs")).stdout).toContain("esm ok");
  });

  it("requires every package from CommonJS (require(esm))", async () => {
    writeFileSync(
      join(consumer, "cjs.cjs"),
      `const { createReactor, Protocol, Factory } = require("@lr/reactor");
const { Clock } = require("@lr/testing");
const { LineDecoder, LineReceiver } = require("@lr/line-protocol");
const found = { createReactor, Protocol, Factory, Clock, LineDecoder, LineReceiver };
for (const [k, v] of Object.entries(found)) if (typeof v !== "function") throw new Error(k + " is " + typeof v);
console.log("cjs ok");
`,
    );
    const { stdout } = await sh(
      process.execPath,
      ["--no-warnings=ExperimentalWarning", "cjs.cjs"],
      consumer,
      30_000,
    );
    expect(stdout).toContain("cjs ok");
  });

  it.each(["nodenext", "bundler"] as const)(
    "type-checks a consumer with moduleResolution %s",
    async (mode) => {
      const dir = join(consumer, `ts-${mode}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, "consumer.ts"),
        `import { createReactor } from "@lr/reactor";
import { Clock } from "@lr/testing";
import { LineDecoder, LineReceiver } from "@lr/line-protocol";

const reactor = createReactor();
reactor.callLater(10, () => {
  void reactor.stop();
});
const run: Promise<void> = reactor.run();
const clock = new Clock();
clock.callLater(1000, () => {});
clock.advance(1000);
const decoder = new LineDecoder();
export { run, decoder, LineReceiver };
`,
      );
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            lib: ["ES2023"],
            module: mode === "nodenext" ? "NodeNext" : "ESNext",
            moduleResolution: mode,
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ["node"],
            typeRoots: [nodeTypes],
          },
          files: ["consumer.ts"],
        }),
      );
      // consumer/package.json has "type": "module", so nodenext treats consumer.ts as ESM.
      await sh(process.execPath, [tsc, "-p", "tsconfig.json"], dir, 60_000);
    },
  );

  it("restarts a reactor three times in a real program", async () => {
    writeFileSync(
      join(consumer, "reactor.mjs"),
      `import { createReactor } from "@lr/reactor";
const r = createReactor();
for (let i = 0; i < 3; i++) {
  r.callLater(10, () => r.stop());
  await r.run();
}
console.log("ok");
`,
    );
    const { stdout } = await node("reactor.mjs");
    expect(stdout.trim().split("\n")).toContain("ok");
  });

  it("runs deferToThread jobs from the installed tarball (dist/worker.js), across a restart", async () => {
    writeFileSync(
      join(consumer, "job.mjs"),
      `export function square(x) { return x * x; }
export function fail() { const e = new RangeError("too big"); e.code = "E_BIG"; throw e; }
`,
    );
    writeFileSync(
      join(consumer, "thread.mjs"),
      `import { createReactor } from "@lr/reactor";
const r = createReactor({ threadPoolSize: 1 });
const job = new URL("./job.mjs", import.meta.url);
const out = [];
for (let i = 0; i < 2; i++) {
  r.callWhenRunning(async () => {
    out.push(await r.deferToThread(job, "square", 7 + i));
    try { await r.deferToThread(job, "fail"); } catch (e) { out.push(e instanceof RangeError && e.code === "E_BIG"); }
    await r.stop();
  });
  await r.run();
}
if (JSON.stringify(out) !== "[49,true,64,true]") throw new Error("got " + JSON.stringify(out));
console.log("ok");
`,
    );
    expect((await node("thread.mjs")).stdout.trim()).toBe("ok");
  });

  it("decodes CRLF lines with @lr/line-protocol", async () => {
    writeFileSync(
      join(consumer, "lines.mjs"),
      `import { LineDecoder } from "@lr/line-protocol";
const d = new LineDecoder();
const lines = d.push(new TextEncoder().encode("a\\r\\nb\\r\\n"));
const text = lines.map((l) => new TextDecoder().decode(l));
if (JSON.stringify(text) !== '["a","b"]') throw new Error("got " + JSON.stringify(text));
console.log("ok");
`,
    );
    expect((await node("lines.mjs")).stdout.trim()).toBe("ok");
  });

  it("advances a fake Clock with @lr/testing", async () => {
    writeFileSync(
      join(consumer, "clock.mjs"),
      `import { Clock } from "@lr/testing";
const c = new Clock();
let fired = false;
c.callLater(1000, () => { fired = true; });
c.advance(999);
if (fired) throw new Error("fired early");
c.advance(1);
if (!fired) throw new Error("did not fire");
console.log("ok");
`,
    );
    expect((await node("clock.mjs")).stdout.trim()).toBe("ok");
  });
});
