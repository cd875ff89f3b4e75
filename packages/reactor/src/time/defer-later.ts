import { CancelledError } from "../core/errors.js";
import type { DelayedCall, ReactorCore, ReactorTime, TriggerId } from "../core/interfaces.js";

/** Options of the options form of {@link deferLater}. */
export interface DeferLaterOptions<R = void> {
  /** Cancels the wait: the Promise rejects with `CancelledError` (`ERR_CANCELLED`) and `call` never runs. */
  readonly signal?: AbortSignal;
  /** What to call when the time comes (its result, or rejection, settles the Promise). */
  readonly call?: () => R | PromiseLike<R>;
}

/**
 * Waits `delayMs` on `clock` (a reactor or a test clock), then calls `fn(...args)` and resolves with
 * its (awaited) result; a throw or rejection of `fn` rejects the Promise. Twisted's `task.deferLater`.
 *
 * Two forms:
 * - `deferLater(clock, ms, fn, ...args)`: the call form, keeping Twisted's argument passing;
 * - `deferLater(clock, ms, { signal, call })`: the options form, cancellable with an `AbortSignal`
 *   (abort → rejects with `CancelledError`, code `ERR_CANCELLED`, `cause` = the signal's reason).
 *   Without `call` it resolves with `undefined`.
 *
 * If `clock` is a reactor that stops before the delay elapsed, the Promise rejects with
 * `CancelledError` (a stopping reactor cancels its timers; nothing is left hanging).
 *
 * @example
 * ```ts
 * const sum = await deferLater(reactor, 100, (a: number, b: number) => a + b, 1, 2);
 * await deferLater(reactor, 5000, { signal: AbortSignal.timeout(1000) }); // rejects after 1 s
 * ```
 */
export function deferLater(
  clock: ReactorTime,
  delayMs: number,
  options?: DeferLaterOptions<void>,
): Promise<void>;
export function deferLater<R>(
  clock: ReactorTime,
  delayMs: number,
  options: DeferLaterOptions<R> & { call: () => R | PromiseLike<R> },
): Promise<Awaited<R>>;
export function deferLater<A extends unknown[], R>(
  clock: ReactorTime,
  delayMs: number,
  fn: (...args: A) => R | PromiseLike<R>,
  ...args: A
): Promise<Awaited<R>>;
export function deferLater(
  clock: ReactorTime,
  delayMs: number,
  fnOrOptions?: ((...args: unknown[]) => unknown) | DeferLaterOptions<unknown>,
  ...args: unknown[]
): Promise<unknown> {
  const options: DeferLaterOptions<unknown> =
    typeof fnOrOptions === "function" ? {} : (fnOrOptions ?? {});
  const fn: (() => unknown) | undefined =
    typeof fnOrOptions === "function" ? () => fnOrOptions(...args) : options.call;
  const signal = options.signal;
  return new Promise<unknown>((resolve, reject) => {
    if (signal?.aborted) {
      reject(
        new CancelledError("deferLater was cancelled before it started.", { cause: signal.reason }),
      );
      return;
    }
    let call: DelayedCall | null = null;
    let trigger: { core: ReactorCore; id: TriggerId } | null = null;
    const cleanup = () => {
      signal?.removeEventListener("abort", onAbort);
      if (trigger) {
        try {
          trigger.core.removeSystemEventTrigger(trigger.id);
        } catch {
          // already gone
        }
        trigger = null;
      }
    };
    const cancel = (error: CancelledError) => {
      if (call?.active()) call.cancel();
      cleanup();
      reject(error);
    };
    const onAbort = () =>
      cancel(
        new CancelledError("deferLater was cancelled by its AbortSignal.", {
          cause: signal?.reason,
        }),
      );
    call = clock.callLater(delayMs, () => {
      cleanup();
      try {
        resolve(fn ? fn() : undefined);
      } catch (error) {
        reject(error);
      }
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    const core = clock as Partial<ReactorCore>;
    if (
      typeof core.addSystemEventTrigger === "function" &&
      typeof core.removeSystemEventTrigger === "function"
    ) {
      const id = core.addSystemEventTrigger("during", "shutdown", () =>
        cancel(new CancelledError("deferLater was cancelled because the reactor stopped.")),
      );
      trigger = { core: core as ReactorCore, id };
    }
  });
}
