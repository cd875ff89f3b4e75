import { describe, expect, it } from "vitest";
import { callGuarded, deferred, isThenable } from "./helpers.js";

describe("core helpers", () => {
  it("isThenable: objects with a then method only", () => {
    expect(isThenable(Promise.resolve())).toBe(true);
    const thenable = (then: unknown) => ({ then });
    expect(isThenable(thenable(() => {}))).toBe(true);
    for (const v of [null, undefined, 0, "then", {}, thenable(1), () => {}]) {
      expect(isThenable(v)).toBe(false);
    }
  });

  it("deferred: settles from outside", async () => {
    const a = deferred<number>();
    a.resolve(7);
    await expect(a.promise).resolves.toBe(7);
    const b = deferred();
    b.reject(new Error("no"));
    await expect(b.promise).rejects.toThrow("no");
  });

  it("callGuarded: a throw or a rejection goes to onError, never to the caller", async () => {
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push((e as Error).message);
    expect(callGuarded(() => 5, onError)).toBe(5);
    expect(
      callGuarded(() => {
        throw new Error("sync");
      }, onError),
    ).toBeUndefined();
    const p = callGuarded(() => Promise.reject(new Error("async")), onError);
    await (p as Promise<unknown>).catch(() => {});
    await Promise.resolve();
    expect(errors).toEqual(["sync", "async"]);
  });
});
