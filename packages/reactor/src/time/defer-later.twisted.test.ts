/**
 * The scenarios of Twisted 22.4's `twisted/test/test_task.py` DeferLaterTests, in lr's terms (ms,
 * Promises, cancellation through an AbortSignal). Behaviours carried over; the code is our own.
 */
import { describe, expect, it } from "vitest";
import { CancelledError } from "../core/errors.js";
import { Clock } from "./clock.js";
import { deferLater } from "./defer-later.js";

class TestError extends Error {}

describe("deferLater (Twisted's DeferLaterTests)", () => {
  it("resolves after the delay with the result of the function, called with the arguments given", async () => {
    const clock = new Clock();
    const seen: [string, string][] = [];
    const flag = {};
    const p = deferLater(
      clock,
      3000,
      (foo: string, bar: string) => {
        seen.push([foo, bar]);
        return flag;
      },
      "foo",
      "bar",
    );
    clock.advance(2000);
    expect(seen).toEqual([]);
    clock.advance(1000);
    expect(seen).toEqual([["foo", "bar"]]);
    expect(await p).toBe(flag);
  });

  it("rejects when the function throws", async () => {
    const clock = new Clock();
    const p = deferLater(clock, 1000, () => {
      throw new TestError();
    });
    clock.advance(1000);
    await expect(p).rejects.toThrow(TestError);
  });

  it("cancelling it (abort) rejects with CancelledError and the call is never made", async () => {
    const clock = new Clock();
    let called = false;
    const controller = new AbortController();
    const p = deferLater(clock, 1000, {
      signal: controller.signal,
      call: () => {
        called = true;
      },
    });
    controller.abort();
    await expect(p).rejects.toThrow(CancelledError);
    expect(clock.getDelayedCalls()).toEqual([]);
    clock.advance(1000);
    expect(called).toBe(false);
  });

  it("without a function it resolves with undefined after the delay", async () => {
    const clock = new Clock();
    let settled = false;
    const p = deferLater(clock, 2000).then((v) => {
      settled = true;
      return v;
    });
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(2000);
    expect(await p).toBeUndefined();
  });
});
