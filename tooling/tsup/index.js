// The tsup presets every package of the repository builds with (see index.d.ts for the options).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "tsup";

/** What every build shares: ESM for Node >= 20, with sourcemaps, into a clean dist/. */
const common = {
  format: ["esm"],
  platform: "node",
  target: "node20",
  sourcemap: true,
  clean: true,
};

/**
 * A published library: `.d.ts` files, tree-shaken, with code shared by several entries split into
 * chunks (so every entry sees the same classes).
 * @param {import("./index.d.ts").LibraryOptions} options
 */
export function library(options) {
  return defineConfig({ ...common, dts: true, splitting: true, treeshake: true, ...options });
}

/**
 * A runnable program: one self-contained file per entry, no `.d.ts`; with `shebang`, the entry
 * `main` starts with `#!/usr/bin/env node` exactly once (added unless src/main.ts has one).
 * @param {import("./index.d.ts").ProgramOptions} options
 */
export function program({ shebang = false, libraryVersions = [], ...options }) {
  const main = join(process.cwd(), "src", "main.ts");
  const versions = Object.fromEntries(
    libraryVersions.map((name) => {
      const file = join(
        process.cwd(),
        "..",
        "..",
        "packages",
        name.replace(/^@lr\//, ""),
        "package.json",
      );
      return [name, JSON.parse(readFileSync(file, "utf8")).version];
    }),
  );
  const hasShebang = shebang && readFileSync(main, "utf8").startsWith("#!");
  return defineConfig({
    ...common,
    dts: false,
    splitting: false,
    ...(shebang && !hasShebang ? { banner: { js: "#!/usr/bin/env node" } } : {}),
    ...(libraryVersions.length > 0
      ? { define: { __LR_VERSIONS__: JSON.stringify(versions) } }
      : {}),
    ...options,
  });
}
