import { defineConfig } from "vitest/config";

// The fault suite starts real processes on 127.0.0.1; on a busy 2-core machine a
// single test may take a few seconds. Files run one after another so they do not
// fight each other for the cores (and for the numbers they assert on).
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});
