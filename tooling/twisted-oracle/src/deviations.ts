/**
 * Every documented deviation the oracle knows. Each id appears on docs/differences-from-twisted.md
 * (checked by oracle.test.ts); a divergence no rule covers fails the run.
 */
export interface DeviationRule {
  /** Subject the rule belongs to. */
  readonly subject: string;
  /** One line: what differs. The reason is on the differences page. */
  readonly summary: string;
}

export const RULES: ReadonlyMap<string, DeviationRule> = new Map<string, DeviationRule>([
  [
    "clock-tie-order",
    {
      subject: "clock",
      summary:
        "calls due at the same time run (and are listed) in the order they were scheduled, also after reset()/delay(); Twisted's Clock keeps the order of its last sort",
    },
  ],
  [
    "promise-settles-later",
    {
      subject: "looping",
      summary:
        "a Promise returned by LoopingCall.start()/deferLater settles on a later microtask; a Deferred fires synchronously",
    },
  ],
]);
