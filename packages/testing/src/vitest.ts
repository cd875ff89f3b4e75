/**
 * Vitest helpers of `@lr/testing` (Vitest is an optional peer dependency: import this subpath only
 * from test files).
 *
 * @module
 */
import { createReactor, type Reactor, type ReactorCore, type ReactorResource } from "@lr/reactor";
import { afterEach, beforeEach } from "vitest";
import { DirtyReactorError } from "./errors.js";

/** What {@link useReactor} needs from a reactor: a life cycle and a list of what it owns. */
export type CheckableReactor = ReactorCore & {
  /** What the reactor still owns (see `Reactor.getResources`). */
  getResources(): readonly ReactorResource[];
};

function whenStopped(reactor: CheckableReactor): Promise<void> {
  return new Promise<void>((resolve) => {
    const id = reactor.addSystemEventTrigger("after", "shutdown", () => {
      reactor.removeSystemEventTrigger(id);
      // "after shutdown" runs just before the reactor reports itself stopped.
      queueMicrotask(resolve);
    });
  });
}

/**
 * Gives each test of the enclosing `describe` (or file) a fresh reactor, and checks it after the
 * test: a reactor left running is stopped and the test fails; a stopped reactor that still owns
 * listeners, connections, connectors, delayed calls or threads fails the test with a
 * `DirtyReactorError` (`ERR_DIRTY_REACTOR`) listing them. Returns a getter for the current reactor
 * (a real one, from `createReactor()`; pass `create` for another kind).
 *
 * @example
 * ```ts
 * import { useReactor } from "@lr/testing/vitest";
 * const getReactor = useReactor();
 * it("runs and stops", async () => {
 *   const reactor = getReactor();
 *   reactor.callLater(10, () => reactor.stop());
 *   await reactor.run();
 * });
 * ```
 */
export function useReactor(): () => Reactor;
/**
 * Like `useReactor()`, with the reactor each test gets built by `create`.
 *
 * @param create - builds the reactor; pass `() => new MemoryReactorClock()` to check a memory
 *   reactor the same way.
 */
export function useReactor<R extends CheckableReactor>(create: () => R): () => R;
export function useReactor<R extends CheckableReactor>(create?: () => R): () => R {
  const make = create ?? (() => createReactor() as unknown as R);
  let current: R | undefined;
  beforeEach(() => {
    current = make();
  });
  afterEach(async () => {
    const reactor = current;
    current = undefined;
    if (!reactor) return;
    const problems: string[] = [];
    let leftBehind: readonly ReactorResource[] = [];
    if (reactor.state !== "stopped") {
      problems.push(`the test left the reactor ${reactor.state}; it was stopped by useReactor()`);
      leftBehind = reactor.getResources();
      if (reactor.state === "stopping") await whenStopped(reactor);
      else await reactor.stop();
    }
    const resources = [...leftBehind, ...reactor.getResources()];
    if (problems.length > 0 || resources.length > 0)
      throw new DirtyReactorError(resources, problems);
  });
  return () => {
    if (!current) throw new Error("useReactor(): the reactor is only available inside a test.");
    return current;
  };
}
