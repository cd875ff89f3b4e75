/**
 * Worker-thread entry of `@lr/reactor`'s thread pool (loaded by piscina from `dist/worker.js`).
 * Imports the job's module, calls the named export and returns a serialisable outcome, so that a
 * thrown error keeps its name, message, code and stack across the thread boundary.
 */

/** The message a job sends to a worker. */
export interface WorkerTask {
  readonly module: string;
  readonly exportName: string;
  readonly args: readonly unknown[];
}

/** The serialisable outcome of a job. */
export type WorkerOutcome =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly error: { name: string; message: string; stack?: string; code?: unknown };
    };

/**
 * Job modules already loaded by this worker. A repeated `import()` of a loaded module still goes
 * through the ESM loader's asynchronous resolution, which cost more than a whole no-op job.
 */
const loaded = new Map<string, Record<string, unknown>>();

function describeValue(value: unknown): string {
  if (typeof value === "function") return `a function${value.name ? ` (${value.name})` : ""}`;
  if (typeof value === "symbol") return `a symbol (${value.toString()})`;
  if (value !== null && typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name && name !== "Object" ? `an object of class ${name}` : "an object";
  }
  return typeof value;
}

/**
 * `null` when `value` survives structured clone (what the thread boundary does to results), else
 * why not, naming the type. Primitives are checked without cloning; objects are cloned once.
 */
function cloneProblem(value: unknown): string | null {
  const type = typeof value;
  if (value === null || (type !== "object" && type !== "function" && type !== "symbol"))
    return null;
  if (type === "function" || type === "symbol") return `it is ${describeValue(value)}`;
  // Bytes always cross (and are often large: no trial copy for them).
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return null;
  try {
    structuredClone(value);
    return null;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return `it is ${describeValue(value)} that structured clone refuses (${why})`;
  }
}

/** Runs one task. */
export default async function runTask(task: WorkerTask): Promise<WorkerOutcome> {
  try {
    let mod = loaded.get(task.module);
    if (mod === undefined) {
      mod = (await import(task.module)) as Record<string, unknown>;
      loaded.set(task.module, mod);
    }
    const fn = mod[task.exportName];
    if (typeof fn !== "function") {
      throw new TypeError(
        `Export ${JSON.stringify(task.exportName)} of ${task.module} is not a function.`,
      );
    }
    const value: unknown = await (fn as (...args: unknown[]) => unknown)(...task.args);
    const refused = cloneProblem(value);
    if (refused !== null) {
      return {
        ok: false,
        error: {
          name: "JobResultNotCloneableError",
          code: "ERR_JOB_RESULT_NOT_CLONEABLE",
          message: `The result of ${task.exportName}() cannot be sent back from the worker thread: ${refused}.`,
        },
      };
    }
    return { ok: true, value };
  } catch (error) {
    if (error instanceof Error) {
      const code = (error as { code?: unknown }).code;
      return {
        ok: false,
        error: {
          name: error.name,
          message: error.message,
          ...(error.stack ? { stack: error.stack } : {}),
          ...(code !== undefined ? { code } : {}),
        },
      };
    }
    return { ok: false, error: { name: "Error", message: String(error) } };
  }
}
