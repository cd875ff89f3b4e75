import { library } from "@lr/tsup-config";

// Two public entries: "." (src/index.ts) and "./vitest" (src/vitest.ts).
// Shared code goes to a chunk so both entries see the same classes.
export default library({
  entry: ["src/index.ts", "src/vitest.ts"],
  external: ["vitest", /^vitest\//],
});
