import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The built package, as users load it (the thread pool tests need the build too): a TypeScript
// loader such as tsx would load worker_threads itself.
const entry = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** Runs `script` in a fresh process and lists the built-in modules loaded by the end. */
function builtinsLoadedBy(script: string): string[] {
  const out = execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `${script}\nconsole.log(JSON.stringify(process.moduleLoadList));`,
    ],
    { encoding: "utf8", timeout: 30_000 },
  );
  return JSON.parse(out.trim().split("\n").at(-1) ?? "[]") as string[];
}

describe("modules loaded on demand", () => {
  it("importing @lr/reactor loads neither node:tls nor the thread pool's worker_threads", () => {
    const loaded = builtinsLoadedBy(
      `const lr = await import(${JSON.stringify(entry)}); const r = lr.createReactor(); r.listenTCP(0, new lr.ServerFactory());`,
    );
    expect(loaded).toContain("NativeModule net");
    expect(loaded).not.toContain("NativeModule tls");
    expect(loaded).not.toContain("NativeModule worker_threads");
  });

  it("listenTLS loads node:tls when it is used", () => {
    const loaded = builtinsLoadedBy(
      `const lr = await import(${JSON.stringify(entry)}); const r = lr.createReactor(); r.listenTLS(0, new lr.ServerFactory(), {}); r.callWhenRunning(() => r.stop()); await r.run();`,
    );
    expect(loaded).toContain("NativeModule tls");
  });
});
