import { describe, expect, it } from "vitest";
import { MemoryReactorClock } from "./reactor/memory-reactor.js";
import { useReactor } from "./vitest.js";

describe("useReactor() with the real reactor", () => {
  const getReactor = useReactor();
  const seen = new Set<unknown>();

  it("gives a stopped reactor to each test", async () => {
    const reactor = getReactor();
    seen.add(reactor);
    expect(reactor.state).toBe("stopped");
    reactor.callLater(1, () => reactor.stop());
    await reactor.run();
  });

  it("gives a different one to the next test", () => {
    expect(seen.has(getReactor())).toBe(false);
  });
});

describe("useReactor() with a memory reactor", () => {
  const getReactor = useReactor(() => new MemoryReactorClock());

  it("checks the memory reactor after the test", async () => {
    const reactor = getReactor();
    const stopped = reactor.run();
    reactor.callLater(5000, () => reactor.stop());
    await reactor.runUntil(stopped);
    expect(reactor.now()).toBe(5000);
  });
});
