import { defineConfig } from "tsup";

// Two public entries: "." (src/index.ts) and "./vitest" (src/vitest.ts).
// Shared code goes to a chunk so both entries see the same classes.
export default defineConfig({
  entry: ["src/index.ts", "src/vitest.ts"],
  format: ["esm"],
  platform: "node",
  target: "node20",
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  external: ["vitest", /^vitest\//],
});
