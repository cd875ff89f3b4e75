/**
 * Small helpers every layer uses: the thenable check, a Promise with its settle functions outside,
 * and the guarded call of a user callback (a throw or a rejection is reported, never propagated).
 */

/** `true` for anything with a `then` method (a Promise or any other thenable). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/** A Promise with its `resolve` and `reject` (what `Promise.withResolvers()` gives on Node 22+). */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Creates a {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Calls a user callback: a synchronous throw, or the rejection of a thenable it returns, goes to
 * `onError` instead of the caller. Returns what the callback returned (`undefined` if it threw).
 */
export function callGuarded(fn: () => unknown, onError: (error: unknown) => void): unknown {
  try {
    const result = fn();
    if (isThenable(result)) result.then(undefined, onError);
    return result;
  } catch (error) {
    onError(error);
    return undefined;
  }
}
