import { defineConfig } from "vitest/config";

// The *.test.ts files next to each example run the built program (dist/) as a child process.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
