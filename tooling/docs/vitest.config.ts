import { defineConfig } from "vitest/config";

// TypeDoc compiles three packages: slow on a busy 2-core machine.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 180_000,
  },
});
