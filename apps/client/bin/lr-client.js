#!/usr/bin/env node
// The lr-client command: runs the built program (dist/main.js), or says in one line how to build it.
// A committed file, so that pnpm can link the command before anything is built.
import { existsSync } from "node:fs";

const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    "lr-client: not built yet: run `pnpm --filter client build` (or `pnpm build`) first\n",
  );
  process.exit(1);
}
await import(main.href);
