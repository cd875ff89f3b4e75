import { defineConfig } from "tsup";

// worker.ts is a separate entry so the reactor can hand dist/worker.js to a
// worker thread (piscina) by URL: new URL("./worker.js", import.meta.url).
export default defineConfig({
  entry: ["src/index.ts", "src/worker.ts"],
  format: ["esm"],
  platform: "node",
  target: "node20",
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
});
