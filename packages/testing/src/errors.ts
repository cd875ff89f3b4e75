import { LrError, type ReactorResource } from "@lr/reactor";

export { SimulationStalledError } from "@lr/reactor/internal";

/**
 * A reactor still owned something after a test (listeners, connections, connectors, delayed calls,
 * worker threads or thread jobs), or was left running. Code `ERR_DIRTY_REACTOR`; `resources` lists
 * what was left, and the message lists it for humans.
 *
 * @example
 * ```ts
 * try { assertReactorClean(reactor); } catch (e) { if (e instanceof DirtyReactorError) console.log(e.resources); }
 * ```
 */
export class DirtyReactorError extends LrError {
  /** What the reactor still owned. */
  readonly resources: readonly ReactorResource[];
  constructor(resources: readonly ReactorResource[], problems: readonly string[] = []) {
    const lines = [...problems, ...resources.map((r) => `${r.kind}: ${r.description}`)];
    super("ERR_DIRTY_REACTOR", `Reactor was unclean:\n  - ${lines.join("\n  - ")}`);
    this.resources = resources;
  }
}

/**
 * A simulated thread job was settled twice (`resolve`/`reject`/`completeAfter` after it already
 * completed or was cancelled). Code `ERR_THREAD_JOB_STATE`.
 */
export class ThreadJobStateError extends LrError {
  constructor(message: string) {
    super("ERR_THREAD_JOB_STATE", message);
  }
}
