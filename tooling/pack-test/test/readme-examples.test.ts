// Every ```ts block of every README is a complete program that type-checks
// (strict, module nodenext) against the packed packages installed with npm, as
// a user would paste it into a fresh project (two of them: Node's types only,
// and tsc's default libraries, DOM included). A block preceded by the line
// `<!-- fragment -->` is a fragment: it must parse, and is not type-checked.
// All complete blocks are checked by one tsc run; each block is one test.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { installConsumer, nodeTypes, root, sh, tsc } from "./support/packed.js";
import { blocksOf, type ReadmeBlock, readmes } from "./support/readme-blocks.js";

/** At most this many fragments in all READMEs: fragments are the exception. */
const MAX_FRAGMENTS = 4;

const packed = inject("packed");
const blocks: ReadmeBlock[] = readmes(root).flatMap((r) => blocksOf(root, r));
const complete = blocks.filter((b) => !b.fragment);
const fragments = blocks.filter((b) => b.fragment);
const errors = new Map<string, string[]>();

beforeAll(async () => {
  // vitest: the @lr/testing README shows test files.
  const dir = await installConsumer(join(packed.work, "readme"), packed, ["vitest@3"]);
  const src = join(dir, "blocks");
  mkdirSync(src, { recursive: true });
  for (const b of complete) writeFileSync(join(src, b.file), b.code);
  // Two projects a user may have: Node's types only, and tsc's default libraries (DOM included:
  // then the global Web streams types are the DOM's, as for `fetch` in a browser-typed project).
  const base = {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    moduleDetection: "force",
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
    typeRoots: [nodeTypes],
  };
  const projects = {
    node: { ...base, lib: ["ES2023"] },
    dom: base,
  };
  for (const [name, compilerOptions] of Object.entries(projects)) {
    const config = `tsconfig.${name}.json`;
    writeFileSync(join(dir, config), JSON.stringify({ compilerOptions, include: ["blocks"] }));
    let output = "";
    try {
      await sh(process.execPath, [tsc, "-p", config, "--pretty", "false"], dir, 120_000);
    } catch (e) {
      output = (e as Error).message;
    }
    let found = 0;
    for (const line of output.split("\n")) {
      const m = /^blocks\/([^(]+)\((\d+),(\d+)\): (error .*)$/.exec(line.trim());
      if (!m) continue;
      found++;
      const [, file, l, c, text] = m as unknown as [string, string, string, string, string];
      const b = complete.find((x) => x.file === file);
      const where = b ? `${b.readme}:${b.line + Number(l)}:${c}` : `${file}:${l}:${c}`;
      errors.set(file, [...(errors.get(file) ?? []), `[${name}] ${where}: ${text}`]);
    }
    if (output && found === 0)
      throw new Error(`tsc (${name}) failed without block errors:\n${output}`);
  }
}, 300_000);

describe("README ts blocks", () => {
  it("are found, and few are fragments", () => {
    console.log(
      `readme-examples: ${blocks.length} ts blocks in ${new Set(blocks.map((b) => b.readme)).size} READMEs, ${fragments.length} fragments`,
    );
    expect(complete.length).toBeGreaterThan(0);
    expect(fragments.length).toBeLessThanOrEqual(MAX_FRAGMENTS);
  });

  it.each(complete.map((b) => [`${b.readme}:${b.line}`, b] as const))(
    "%s type-checks",
    (_name, b) => {
      expect(errors.get(b.file) ?? []).toEqual([]);
    },
  );

  it.each(fragments.map((b) => [`${b.readme}:${b.line}`, b] as const))(
    "%s (fragment) parses",
    (_name, b) => {
      const out = ts.transpileModule(b.code, { reportDiagnostics: true, fileName: b.file });
      const messages = (out.diagnostics ?? []).map((d) =>
        ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      );
      expect(messages).toEqual([]);
    },
  );
});
