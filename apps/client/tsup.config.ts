import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

// Keep the shebang exactly once: add it unless src/main.ts already has one.
const hasShebang = readFileSync(new URL("./src/main.ts", import.meta.url), "utf8").startsWith("#!");

export default defineConfig({
  entry: { main: "src/main.ts" },
  format: ["esm"],
  platform: "node",
  target: "node20",
  dts: false,
  sourcemap: true,
  clean: true,
  splitting: false,
  ...(hasShebang ? {} : { banner: { js: "#!/usr/bin/env node" } }),
});
