import { defineConfig } from "vitest/config";

// The e2e tests spawn the built apps as real processes: give them room on a busy 2-core machine.
// Each wait inside a test is bounded on its own (see e2e-harness.ts).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
