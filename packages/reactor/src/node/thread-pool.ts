import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve as resolvePath } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Piscina } from "piscina";
import { JobCancelledError, JobResultNotCloneableError } from "../core/errors.js";
import type { ThreadJob } from "../core/interfaces.js";
import type { WorkerOutcome, WorkerTask } from "./worker.js";

/** Where the built worker entry lives: beside this module in `dist`, or in `dist` when run from `src`. */
function workerFilename(): string {
  const here = new URL("./worker.js", import.meta.url);
  const path = fileURLToPath(here);
  if (existsSync(path)) return path;
  const fromSrc = fileURLToPath(new URL("../../dist/worker.js", import.meta.url));
  if (existsSync(fromSrc)) return fromSrc;
  throw new Error(`@lr/reactor: worker entry not found at ${path} (build the package first).`);
}

/**
 * piscina (and worker_threads behind it) is loaded on the first job, not when `@lr/reactor` is
 * imported: most programs never use the pool, and they should not pay for its modules.
 */
let piscinaModule: Promise<{ Piscina: typeof Piscina }> | null = null;
function loadPiscina(): Promise<{ Piscina: typeof Piscina }> {
  piscinaModule ??= import("piscina");
  return piscinaModule;
}

/** Turns a module reference into an importable URL string. */
export function moduleHref(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-zA-Z][a-zA-Z\d+.-]*:/.test(module) && !/^[a-zA-Z]:[\\/]/.test(module)) return module;
  return pathToFileURL(resolvePath(module)).href;
}

// Built-in error classes are rebuilt as themselves, so `instanceof TypeError` still works after the
// trip through structured clone; anything else becomes an Error carrying the original name.
const builtinErrors: Record<string, ErrorConstructor> = {
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

function rebuildError(e: { name: string; message: string; stack?: string; code?: unknown }): Error {
  if (e.code === "ERR_JOB_RESULT_NOT_CLONEABLE") return new JobResultNotCloneableError(e.message);
  const error = new (builtinErrors[e.name] ?? Error)(e.message);
  error.name = e.name;
  if (e.stack !== undefined) error.stack = e.stack;
  if (e.code !== undefined) (error as Error & { code?: unknown }).code = e.code;
  return error;
}

function describeRejection(value: unknown): string {
  if (value !== null && typeof value === "object") {
    const message = (value as { message?: unknown }).message;
    if (typeof message === "string" && message !== "") return message;
    return "the worker rejected with a value that is not an Error";
  }
  return String(value);
}

/** Options of a {@link ThreadPool}. */
export interface ThreadPoolOptions {
  /** Maximum number of worker threads (default: the number of CPUs). */
  readonly maxThreads?: number;
  /** How long an idle worker stays alive, ms (default 30000). */
  readonly idleTimeoutMs?: number;
}

/**
 * The reactor's worker pool, on piscina: created lazily on the first job, destroyed by `close()`
 * (which cancels every queued or running job with `JobCancelledError`).
 */
export class ThreadPool {
  readonly maxThreads: number;
  readonly #idleTimeoutMs: number;
  #pool: Piscina | null = null;
  readonly #inflight = new Set<AbortController>();

  constructor(options: ThreadPoolOptions = {}) {
    this.maxThreads = Math.max(1, options.maxThreads ?? availableParallelism());
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  }

  /** Number of worker threads alive now. */
  get threads(): number {
    return this.#pool?.threads.length ?? 0;
  }

  /** Jobs submitted and not yet settled. */
  get pending(): number {
    return this.#inflight.size;
  }

  /** Runs a job; rejects with the worker's error (name, message, stack kept) or `JobCancelledError`. */
  async run<T>(job: ThreadJob): Promise<T> {
    if (job.signal?.aborted)
      throw new JobCancelledError("The thread job was cancelled before it started.", {
        cause: job.signal.reason,
      });
    const controller = new AbortController();
    const onAbort = () =>
      controller.abort(
        new JobCancelledError("The thread job was cancelled by its AbortSignal.", {
          cause: job.signal?.reason,
        }),
      );
    job.signal?.addEventListener("abort", onAbort, { once: true });
    this.#inflight.add(controller);
    const task: WorkerTask = {
      module: moduleHref(job.module),
      exportName: job.exportName ?? "default",
      args: job.args ?? [],
    };
    try {
      let pool = this.#pool;
      if (pool === null) {
        const { Piscina } = await loadPiscina();
        // Cancelled (AbortSignal or close()) while piscina was loading: start nothing.
        if (controller.signal.aborted) throw controller.signal.reason;
        // Another job may have created the pool while this one waited for the module.
        pool = this.#pool ??= new Piscina({
          filename: workerFilename(),
          minThreads: 0,
          maxThreads: this.maxThreads,
          idleTimeout: this.#idleTimeoutMs,
        });
      }
      const outcome = (await pool.run(task, {
        signal: controller.signal,
        ...(job.transferList ? { transferList: job.transferList as never } : {}),
      })) as WorkerOutcome;
      if (outcome.ok) return outcome.value as T;
      throw rebuildError(outcome.error);
    } catch (error) {
      if (controller.signal.aborted) {
        const reason: unknown = controller.signal.reason;
        throw reason instanceof JobCancelledError
          ? reason
          : new JobCancelledError(undefined, { cause: reason });
      }
      // piscina passes on whatever failed in the worker; a value that is not an Error (a clone
      // failure arrives as `{}`) still becomes one.
      if (!(error instanceof Error))
        throw new Error(`The thread job failed: ${describeRejection(error)}`, { cause: error });
      throw error;
    } finally {
      job.signal?.removeEventListener("abort", onAbort);
      this.#inflight.delete(controller);
    }
  }

  /** Cancels every job and terminates every worker. The pool can be used again afterwards. */
  async close(): Promise<void> {
    for (const c of this.#inflight)
      c.abort(new JobCancelledError("The thread job was cancelled because the reactor stopped."));
    const pool = this.#pool;
    this.#pool = null;
    if (pool) await pool.destroy();
  }
}
