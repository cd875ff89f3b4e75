// `pnpm docs`: the TypeDoc site of @lr/reactor, @lr/line-protocol and @lr/testing builds with
// warnings treated as errors; and the same configuration does fail on an undocumented export.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const typedoc = join(root, "node_modules", "typedoc", "bin", "typedoc");
const out = mkdtempSync(join(tmpdir(), "lr-docs-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function typedocRun(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [typedoc, ...args], {
      cwd: root,
      timeout: 170_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as Error & { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? 1, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

describe("API reference (TypeDoc)", () => {
  it("builds for the three packages with no warning", async () => {
    const site = join(out, "site");
    const { code, output } = await typedocRun(["--out", site]);
    expect(output).not.toMatch(/\[warning\]|\[error\]/);
    expect(code).toBe(0);
    for (const page of [
      "index.html",
      "modules/_lr_reactor.html",
      "modules/_lr_line-protocol.html",
      "modules/_lr_testing.index.html",
      "modules/_lr_testing.vitest.html",
      "classes/_lr_reactor.Reactor.html",
      "classes/_lr_line-protocol.LineReceiver.html",
      "classes/_lr_testing.index.MemoryReactor.html",
      "variables/_lr_reactor.diagnostics.html",
    ])
      expect(existsSync(join(site, page)), page).toBe(true);
  });

  it("fails on an undocumented export (the check can fail)", async () => {
    const { code, output } = await typedocRun([
      "--entryPoints",
      join(here, "fixture"),
      "--out",
      join(out, "fixture"),
    ]);
    expect(output).toMatch(/undocumented.*does not have any documentation/);
    expect(code).not.toBe(0);
  });
});
