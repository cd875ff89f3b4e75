import { defineConfig } from "tsup";

// worker.ts is a separate entry so the reactor can hand dist/worker.js to a worker thread (piscina)
// by URL: new URL("./worker.js", import.meta.url). internal.ts is the `./internal` subpath.
export default defineConfig({
  entry: { index: "src/index.ts", internal: "src/internal.ts", worker: "src/node/worker.ts" },
  format: ["esm"],
  platform: "node",
  target: "node20",
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
});
