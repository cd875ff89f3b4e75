/** Child process of the cross-process determinism test: prints the echo scenario's trace for a seed. */
import { runEcho } from "./simulation-scenario.js";

const seed = Number(process.argv[2] ?? "1");
const { trace } = await runEcho(seed);
process.stdout.write(JSON.stringify(trace));
