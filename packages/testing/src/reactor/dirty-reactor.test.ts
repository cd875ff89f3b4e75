import { createReactor, nullLogger, ServerFactory } from "@lr/reactor";
import { describe, expect, it } from "vitest";
import { DirtyReactorError } from "../errors.js";
import { assertReactorClean } from "./dirty-reactor.js";
import { MemoryReactorClock } from "./memory-reactor.js";

describe("assertReactorClean", () => {
  it("passes for a fresh or properly stopped reactor", async () => {
    const reactor = createReactor({ logger: nullLogger });
    assertReactorClean(reactor);
    reactor.callLater(1, () => reactor.stop());
    await reactor.run();
    assertReactorClean(reactor);
  });

  it("lists what a real reactor was left owning", () => {
    const reactor = createReactor({ logger: nullLogger });
    reactor.listenTCP(0, new ServerFactory(), { host: "127.0.0.1" });
    const call = reactor.callLater(1000, () => {});
    let error: unknown;
    try {
      assertReactorClean(reactor);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DirtyReactorError);
    expect((error as DirtyReactorError).code).toBe("ERR_DIRTY_REACTOR");
    expect((error as DirtyReactorError).resources.map((r) => r.kind)).toEqual([
      "listener",
      "delayed-call",
    ]);
    expect((error as Error).message).toContain("delayed-call");
    call.cancel();
  });

  it("works on a memory reactor, and flags one still running", async () => {
    const reactor = new MemoryReactorClock();
    void reactor.run();
    const job = reactor.deferToThread("./m.js", "f");
    expect(() => assertReactorClean(reactor)).toThrow(/still running[\s\S]*thread-job/);
    await reactor.stop();
    await expect(job).rejects.toMatchObject({ code: "ERR_JOB_CANCELLED" });
    assertReactorClean(reactor);
  });
});
