import type { ReactorCore, ReactorResource } from "@lr/reactor";
import { DirtyReactorError } from "../errors.js";

/** Anything that can list what it owns: the real `Reactor` and the memory reactors. */
export interface ResourceOwner {
  getResources(): readonly ReactorResource[];
}

/**
 * Throws a {@link DirtyReactorError} (`ERR_DIRTY_REACTOR`) listing what `reactor` still owns
 * (listeners, connections, connectors, delayed calls, worker threads, thread jobs), or if it is not
 * stopped. Call it after a test has stopped its reactor (Twisted's trial does the same check after
 * each test). Works on the real `Reactor` and on `MemoryReactor`.
 *
 * @example
 * ```ts
 * await reactor.stop();
 * assertReactorClean(reactor); // throws if anything was left behind
 * ```
 */
export function assertReactorClean(
  reactor: ResourceOwner & Partial<Pick<ReactorCore, "state">>,
): void {
  const resources = reactor.getResources();
  const problems: string[] = [];
  if (reactor.state !== undefined && reactor.state !== "stopped")
    problems.push(`the reactor is still ${reactor.state}`);
  if (resources.length > 0 || problems.length > 0) throw new DirtyReactorError(resources, problems);
}
