import { library } from "@lr/tsup-config";

// node/worker.ts is a separate entry so the reactor can hand dist/worker.js to a worker thread
// (piscina) by URL: new URL("./worker.js", import.meta.url). internal.ts is the `./internal` subpath.
export default library({
  entry: { index: "src/index.ts", internal: "src/internal.ts", worker: "src/node/worker.ts" },
});
