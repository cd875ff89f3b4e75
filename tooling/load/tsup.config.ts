import { program } from "@lr/tsup-config";

// Every process the benchmark, soak and fault suite start is a plain built .js file run by
// `node` (no tsx loader in the measured processes, so peak RSS compares like with like).
export default program({
  entry: {
    "bench-e2e": "src/bench-e2e.ts",
    soak: "src/soak.ts",
    loadgen: "src/loadgen.ts",
    "servers/raw-net": "src/servers/raw-net.ts",
    "servers/readline": "src/servers/readline.ts",
    "servers/discard": "src/servers/discard.ts",
    "servers/lr-reactor": "src/servers/lr-reactor.ts",
    "haproxy-bench": "src/haproxy/bench.ts",
  },
});
