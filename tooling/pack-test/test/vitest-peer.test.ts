// @lr/testing declares vitest as an optional peer, `^3.2.0 || ^4.0.0`. For each
// major: npm installs the tarballs next to that vitest (a peer conflict fails
// with ERESOLVE), then that vitest runs a consumer's test file that uses
// @lr/testing/vitest's useReactor() (a passing test and one that leaves a
// delayed call behind, which useReactor must fail) and the fake Clock.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { installConsumer, sh } from "./support/packed.js";

const packed = inject("packed");

const CONSUMER_TEST = `import { Clock } from "@lr/testing";
import { useReactor } from "@lr/testing/vitest";
import { describe, expect, it } from "vitest";

describe("real reactor", () => {
  const getReactor = useReactor();
  it("runs and stops", async () => {
    const reactor = getReactor();
    reactor.callLater(5, () => reactor.stop());
    await reactor.run();
    expect(reactor.state).toBe("stopped");
  });
});

describe("dirty", () => {
  const getReactor = useReactor();
  it("leaves a delayed call behind", () => {
    getReactor().callLater(1000, () => {});
  });
});

it("advances a fake Clock", () => {
  const clock = new Clock();
  let fired = 0;
  clock.callLater(100, () => fired++);
  clock.advance(100);
  expect(fired).toBe(1);
});
`;

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  testResults: {
    assertionResults: { title: string; status: string; failureMessages: string[] }[];
  }[];
}

describe.each(["3", "4"])("vitest %s", (major) => {
  let dir = "";

  it("installs next to @lr/testing without a peer conflict", async () => {
    dir = await installConsumer(join(packed.work, `vitest${major}`), packed, [`vitest@${major}`]);
    const { stdout } = await sh(
      "node",
      ["-p", "require('vitest/package.json').version"],
      dir,
      30_000,
    );
    expect(stdout.trim()).toMatch(new RegExp(`^${major}\\.`));
  }, 240_000);

  it("runs useReactor() and Clock in a consumer's suite", async () => {
    expect(dir, "install failed").not.toBe("");
    writeFileSync(join(dir, "consumer.test.js"), CONSUMER_TEST);
    const out = join(dir, "results.json");
    // The suite has one test that must fail: vitest exits 1, so read its JSON report instead.
    await sh(
      "node",
      [
        "node_modules/vitest/vitest.mjs",
        "run",
        "--reporter=json",
        `--outputFile=${out}`,
        "consumer.test.js",
      ],
      dir,
      120_000,
      { CI: "1" },
    ).catch(() => undefined);
    const r = JSON.parse(readFileSync(out, "utf8")) as VitestJson;
    const byTitle = new Map(
      r.testResults.flatMap((f) => f.assertionResults).map((a) => [a.title, a] as const),
    );
    expect(byTitle.get("runs and stops")?.status).toBe("passed");
    expect(byTitle.get("advances a fake Clock")?.status).toBe("passed");
    const dirty = byTitle.get("leaves a delayed call behind");
    expect(dirty?.status).toBe("failed");
    expect(dirty?.failureMessages.join("\n")).toMatch(
      /DirtyReactorError: Reactor was unclean[\s\S]*delayed-call/,
    );
    expect([r.numPassedTests, r.numFailedTests]).toEqual([2, 1]);
  }, 180_000);
});
