import { defineConfig } from "vitest/config";

// npm install and tsc run here; on a busy 2-core CI machine they are slow.
// The packages are packed once (global setup); each file installs its own consumer.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 90_000,
    hookTimeout: 240_000,
    // npm installs and runtimes compete for 2 cores: one file at a time.
    fileParallelism: false,
  },
});
