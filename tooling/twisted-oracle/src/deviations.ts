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
  [
    "endpoint-stricter-values",
    {
      subject: "endpoints",
      summary:
        "endpoint values are checked when the string is parsed: plain decimal integers in range, non-empty required values, lockfile 0/1, octal mode",
    },
  ],
  [
    "unix-lockfile-ignored",
    {
      subject: "endpoints",
      summary: "unix lockfile=/checkPID= are accepted but no PID lock file is made",
    },
  ],
  [
    "unix-default-mode",
    {
      subject: "endpoints",
      summary: "without mode=, a UNIX socket keeps the mode the umask gives (Twisted: 0666)",
    },
  ],
  [
    "endpoint-empty-type",
    { subject: "endpoints", summary: "parseEndpoint rejects a description whose type is empty" },
  ],
  [
    "triggers-persist",
    {
      subject: "events",
      summary:
        "system event triggers stay registered after firing (restartable reactor); Twisted's are consumed",
    },
  ],
  [
    "endpoint-extra-positionals",
    {
      subject: "endpoints",
      summary:
        "a unix: client takes one positional argument (the path); Twisted ignores more when path= is given, lr rejects them",
    },
  ],
  [
    "events-wait-resumes-after-pass",
    {
      subject: "events",
      summary:
        "a Promise returned by a before-startup/shutdown trigger and settled by a delayed call resumes the firing after that timer pass, not inside the call",
    },
  ],
  [
    "endpoint-fractional-timeout",
    {
      subject: "endpoints",
      summary: "timeout= takes a fractional number of seconds (Twisted: an integer)",
    },
  ],
  [
    "endpoint-unix-path-alias",
    { subject: "endpoints", summary: "a unix: server takes path= as an alias of address=" },
  ],
  [
    "closing",
    {
      subject: "lines",
      summary:
        "no line/string receiver delivers anything once transport.disconnecting (lineproto's section of the differences page)",
    },
  ],
  [
    "frames.reentrant",
    {
      subject: "lines",
      summary:
        "dataReceived called from a handler is queued behind the current buffer for every receiver (lineproto's section)",
    },
  ],
  [
    "lineonly.overflow-data",
    {
      subject: "lines",
      summary:
        "LineOnlyReceiver.lineLengthExceeded gets the line, the delimiter and the rest held, as LineReceiver's (lineproto's section)",
    },
  ],
  [
    "endpoint-empty-bind-address",
    {
      subject: "endpoints",
      summary:
        "an empty bindAddress= means no bind address (Twisted binds to the wildcard address, port 0)",
    },
  ],
  [
    "lineonly.exact-max",
    {
      subject: "lines",
      summary:
        "LineOnlyReceiver accepts a line of exactly MAX_LENGTH bytes whatever the chunking (lineproto's section)",
    },
  ],
]);
