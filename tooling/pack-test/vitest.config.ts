import { defineConfig } from "vitest/config";

// npm install and tsc run here; on a busy 2-core CI machine they are slow.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
