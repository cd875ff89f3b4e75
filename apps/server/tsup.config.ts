import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

// Keep the shebang exactly once: add it unless src/main.ts already has one.
const hasShebang = readFileSync(new URL("./src/main.ts", import.meta.url), "utf8").startsWith("#!");
const version = (pkg: string): string =>
  (
    JSON.parse(
      readFileSync(new URL(`../../packages/${pkg}/package.json`, import.meta.url), "utf8"),
    ) as {
      version: string;
    }
  ).version;

export default defineConfig({
  entry: { main: "src/main.ts" },
  format: ["esm"],
  platform: "node",
  target: "node20",
  dts: false,
  sourcemap: true,
  clean: true,
  splitting: false,
  // `--version` names the library versions the app was built with.
  define: {
    __LR_VERSIONS__: JSON.stringify({
      "@lr/reactor": version("reactor"),
      "@lr/line-protocol": version("line-protocol"),
    }),
  },
  ...(hasShebang ? {} : { banner: { js: "#!/usr/bin/env node" } }),
});
