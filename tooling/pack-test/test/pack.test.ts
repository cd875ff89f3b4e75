// Pack each publishable package the way `pnpm publish` would, install the
// tarballs with plain npm in a folder outside the workspace and use them there
// like a consumer: ESM import, CommonJS require (Node >= 20.19), tsc with
// nodenext and bundler resolution, and small real programs.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { installConsumer, nodeTypes, pkgs, sh, tsc } from "./support/packed.js";

const packed = inject("packed");
const { work, tarballs, manifests } = packed;
let consumer = "";

const node = (file: string) => sh(process.execPath, [file], consumer, 30_000);

beforeAll(async () => {
  consumer = await installConsumer(join(work, "consumer"), packed);
}, 180_000);

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
      const { stdout } = await sh("tar", ["-tzf", tarballs[p.name]], work);
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
