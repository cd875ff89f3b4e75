import { readFileSync } from "node:fs";
import { program } from "@lr/tsup-config";

const version = (pkg: string): string =>
  (
    JSON.parse(
      readFileSync(new URL(`../../packages/${pkg}/package.json`, import.meta.url), "utf8"),
    ) as { version: string }
  ).version;

export default program({
  entry: { main: "src/main.ts" },
  shebang: true,
  // `--version` names the library versions the app was built with.
  define: {
    __LR_VERSIONS__: JSON.stringify({
      "@lr/reactor": version("reactor"),
      "@lr/line-protocol": version("line-protocol"),
    }),
  },
});
