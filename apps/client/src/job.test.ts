import { describe, expect, it } from "vitest";
import { run } from "./job.js";

describe("the long-running job", () => {
  it("blocks its thread for the given time", () => {
    const started = performance.now();
    const { elapsedMs } = run(0.03);
    expect(elapsedMs).toBeGreaterThanOrEqual(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(30);
  });

  it("a zero-second job returns at once", () => {
    expect(run(0).elapsedMs).toBeLessThan(30);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("rejects %s seconds", (seconds) => {
    expect(() => run(seconds)).toThrow(RangeError);
  });
});
