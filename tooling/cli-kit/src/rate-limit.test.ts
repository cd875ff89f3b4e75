import { afterEach, describe, expect, it, vi } from "vitest";
import { RateLimitedLog } from "./rate-limit.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("RateLimitedLog", () => {
  it("prints the first line of a burst and one summary for the rest", () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const log = new RateLimitedLog((l) => lines.push(l), 1000);
    for (let i = 0; i < 500; i++) log.log("refused", `refused #${i}`, (n) => `${n} more refused`);
    expect(lines).toEqual(["refused #0"]);
    vi.advanceTimersByTime(1000);
    expect(lines).toEqual(["refused #0", "499 more refused"]);
    log.log("refused", "refused again", (n) => `${n} more`);
    expect(lines.at(-1)).toBe("refused again");
  });

  it("keeps kinds apart and flushes on demand", () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const log = new RateLimitedLog((l) => lines.push(l), 1000);
    log.log("a", "a1", (n) => `a+${n}`);
    log.log("b", "b1", (n) => `b+${n}`);
    log.log("a", "a2", (n) => `a+${n}`);
    log.flush();
    expect(lines).toEqual(["a1", "b1", "a+1"]);
  });
});
