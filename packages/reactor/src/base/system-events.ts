import { InvalidPhaseError, TriggerNotFoundError } from "../core/errors.js";
import { isThenable } from "../core/helpers.js";
import type { SystemEventPhase, SystemEventTrigger, TriggerId } from "../core/interfaces.js";

interface Entry extends TriggerId {
  readonly fn: SystemEventTrigger;
  removed: boolean;
}

type Phases = Record<SystemEventPhase, Entry[]>;

const PHASES: readonly SystemEventPhase[] = ["before", "during", "after"];

/** How a firing reports failures and bounds the wait for `before` triggers. */
export interface FireOptions {
  /** Runs first in the `during` phase (the owner's own work: binding ports, tearing down...). */
  readonly during?: () => Promise<void> | void;
  /** Bound on the wait for Promises returned by `before` triggers, ms. */
  readonly beforeTimeoutMs: number;
  /** A trigger threw or rejected. */
  readonly onError: (error: unknown, event: string, phase: SystemEventPhase) => void;
  /** The `before` wait hit its bound. */
  readonly onTimeout: (event: string, pending: number) => void;
  /**
   * Asked once the `before` phase (and its wait) is over: `false` ends the firing there, without the
   * owner's `during` work and the `during`/`after` triggers (a reactor stopped while starting up).
   */
  readonly proceed?: () => boolean;
  /** Told when the firing starts (`true`) and stops (`false`) awaiting `before` Promises. */
  readonly onWait?: (waiting: boolean) => void;
}

/**
 * System event triggers (Twisted's `addSystemEventTrigger`), shared by the real reactor and the
 * test doubles. Unlike Twisted's, triggers are not one-shot: they stay registered across firings
 * (and so across reactor runs) until removed.
 */
export class SystemEventTriggers {
  readonly #events = new Map<string, Phases>();

  /** Registers `fn` for `phase` of `event`. Throws `InvalidPhaseError` for a bad phase. */
  add(phase: SystemEventPhase, event: string, fn: SystemEventTrigger): TriggerId {
    if (!PHASES.includes(phase)) throw new InvalidPhaseError(String(phase));
    let phases = this.#events.get(event);
    if (!phases) {
      phases = { before: [], during: [], after: [] };
      this.#events.set(event, phases);
    }
    const entry: Entry = { event, phase, fn, removed: false };
    phases[phase].push(entry);
    return entry;
  }

  /** Removes a trigger. Throws `TriggerNotFoundError` if it is not registered. */
  remove(id: TriggerId): void {
    const phases = this.#events.get(id?.event);
    const list = phases?.[id.phase];
    const index = list ? list.indexOf(id as Entry) : -1;
    if (!list || index < 0) throw new TriggerNotFoundError();
    (id as Entry).removed = true;
    list.splice(index, 1);
  }

  /** Number of triggers registered for `event` (all phases). */
  count(event: string): number {
    const p = this.#events.get(event);
    return p ? p.before.length + p.during.length + p.after.length : 0;
  }

  /** Fires `event`: before (awaiting returned Promises, bounded), the owner's `during` work, during, after. */
  async fire(event: string, options: FireOptions): Promise<void> {
    const phases = this.#events.get(event);
    const waits: Promise<unknown>[] = [];
    this.#runPhase(event, "before", phases, options, (r) => waits.push(Promise.resolve(r)));
    if (waits.length > 0) {
      options.onWait?.(true);
      await this.#bounded(event, waits, options);
      options.onWait?.(false);
    }
    if (options.proceed && !options.proceed()) return;
    if (options.during) {
      try {
        await options.during();
      } catch (error) {
        options.onError(error, event, "during");
      }
    }
    this.#runPhase(event, "during", phases, options);
    this.#runPhase(event, "after", phases, options);
  }

  #runPhase(
    event: string,
    phase: SystemEventPhase,
    phases: Phases | undefined,
    options: FireOptions,
    collect?: (p: PromiseLike<unknown>) => void,
  ): void {
    if (!phases) return;
    const list = phases[phase];
    // Walk the live list: a trigger added to this phase while it fires runs in the same firing, and
    // one removed before its turn does not run.
    const seen = new Set<Entry>();
    for (;;) {
      const entry = list.find((e) => !seen.has(e));
      if (!entry) break;
      seen.add(entry);
      try {
        const result = entry.fn();
        if (isThenable(result)) {
          const guarded = Promise.resolve(result).then(undefined, (error: unknown) =>
            options.onError(error, event, phase),
          );
          collect?.(guarded);
        }
      } catch (error) {
        options.onError(error, event, phase);
      }
    }
  }

  async #bounded(event: string, waits: Promise<unknown>[], options: FireOptions): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let settled = 0;
    const all = Promise.all(waits.map((w) => w.then(() => settled++)));
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), options.beforeTimeoutMs);
    });
    const outcome = await Promise.race([all, timeout]);
    clearTimeout(timer);
    if (outcome === "timeout") options.onTimeout(event, waits.length - settled);
  }
}
