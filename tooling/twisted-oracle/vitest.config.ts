import { defineConfig } from "vitest/config";

// Each subject starts one Python process for its whole batch of programs; on a busy 2-core machine
// Twisted's import alone takes a second or two.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
