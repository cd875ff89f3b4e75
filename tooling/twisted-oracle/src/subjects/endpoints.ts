/** Subject "endpoints": endpoint description strings (parser, server and client, tcp and unix). */
import {
  BadEndpointError,
  clientFromString,
  parseEndpoint,
  serverFromString,
  TCPClientEndpoint,
  TCPServerEndpoint,
  UNIXClientEndpoint,
  UNIXServerEndpoint,
} from "@lr/reactor";
import { MemoryReactor } from "@lr/testing";
import * as fc from "fast-check";
import type { SideRule, Subject, Trace, TraceEvent } from "../subject.js";

export interface EndpointProgram {
  kind: "parse" | "server" | "client";
  description: string;
}

const TYPES = ["tcp", "unix", "TCP", "Unix", "foo", ""];
const VALUES = [
  "80",
  "0",
  "65535",
  "70000",
  "0080",
  "abc",
  "",
  "-1",
  " 8",
  "1_0",
  "+5",
  "1.5",
  "1",
  "2",
  "600",
  "0o600",
  "0O644",
  "777",
  "9",
  "/tmp/s",
  "::1",
  "127.0.0.1",
  "h\u00e9",
  "a=b",
];
const KEYS = [
  "port",
  "interface",
  "backlog",
  "mode",
  "lockfile",
  "address",
  "path",
  "host",
  "timeout",
  "bindAddress",
  "checkPID",
  "wantPID",
  "__proto__",
  "constructor",
  "x",
];

/** Escapes some of the specials of a token, so the parser sees backslashes too. */
const token = (pool: string[]) =>
  fc
    .tuple(fc.constantFrom(...pool), fc.boolean())
    .map(([v, quote]) => (quote ? v.replace(/[:=\\]/g, (c) => `\\${c}`) : v));

const item = fc.oneof(
  { arbitrary: token(VALUES), weight: 2 },
  { arbitrary: fc.tuple(token(KEYS), token(VALUES)).map(([k, v]) => `${k}=${v}`), weight: 3 },
);

export const endpointArbitrary: fc.Arbitrary<EndpointProgram> = fc.record({
  kind: fc.constantFrom("parse" as const, "server" as const, "client" as const),
  description: fc
    .tuple(
      fc.constantFrom(...TYPES),
      fc.array(item, { maxLength: 4 }),
      fc.constantFrom("", "", "", "\\", ":"),
    )
    .map(([type, items, tail]) => [type, ...items].join(":") + tail),
});

const reactor = new MemoryReactor();

function describe(ep: unknown): TraceEvent {
  if (ep instanceof TCPServerEndpoint)
    return ["tcp-server", ep.port, ep.options.host ?? "", ep.options.backlog ?? 50];
  if (ep instanceof UNIXServerEndpoint)
    return ["unix-server", ep.path, ep.options.mode ?? null, ep.options.backlog ?? 50, null];
  if (ep instanceof TCPClientEndpoint)
    return [
      "tcp-client",
      ep.host,
      ep.port,
      (ep.options.timeoutMs ?? 30_000) / 1000,
      ep.options.bindAddress ?? null,
    ];
  if (ep instanceof UNIXClientEndpoint)
    return ["unix-client", ep.path, (ep.options.timeoutMs ?? 30_000) / 1000, null];
  return ["other", String(ep)];
}

/** Runs one description through `@lr/reactor`'s parser and endpoint builders. */
export function runEndpoint(program: EndpointProgram): Trace {
  try {
    if (program.kind === "parse") {
      const p = parseEndpoint(program.description);
      return {
        events: [
          [
            "parse",
            [p.type, ...p.args],
            Object.entries(p.kwargs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          ],
        ],
      };
    }
    const ep =
      program.kind === "server"
        ? serverFromString(reactor, program.description)
        : clientFromString(reactor, program.description);
    return { events: [describe(ep)] };
  } catch (error) {
    if (!(error instanceof BadEndpointError)) return { events: [["crash", String(error)]] };
    return { events: [["error"]], note: error.message };
  }
}

const isError = (events: TraceEvent[]) => events.length === 1 && events[0]?.[0] === "error";
const only = (events: TraceEvent[]) => events[0] ?? [];

/** Python's int() accepts these; lr's endpoint integers are plain decimal digits. */
const PY_INT = /^\s*[+-]?\d+(_\d+)*\s*$/;
const PY_OCTAL = /^\s*[+-]?(0[oO])?_?[0-7]+(_[0-7]+)*\s*$/;

/**
 * "endpoint-stricter-values": lr validates values when the string is parsed, and more strictly than
 * Python's int(): integers are plain decimal digits in range (port 0-65535 for servers, 1-65535 for
 * clients), required values are non-empty, `lockfile` is 0 or 1, `mode` is octal digits (with an
 * optional 0o). Applies only when Twisted accepted the string and lr's error names exactly such a value.
 */
const stricterValues: SideRule<EndpointProgram> = {
  id: "endpoint-stricter-values",
  rewrite(program, twisted, lr) {
    if (isError(twisted.events) || !isError(lr.events)) return null;
    const note = lr.note ?? "";
    const value = /\(at "(?:[^"=]*=)?(.*)"\)\.$/.exec(note)?.[1] ?? null;
    if (value === null) return null;
    const ok =
      (/must be an integer from/.test(note) && (PY_INT.test(value) || /^\d+$/.test(value))) ||
      /: missing \w+/.test(note) ||
      // Twisted converts lockfile= with int() and passes checkPID= on unconverted (any string).
      (/lockfile must be 0 or 1/.test(note) &&
        (PY_INT.test(value) || /(^|:)checkPID=/.test(program.description))) ||
      (/must be a number of seconds/.test(note) && PY_INT.test(value)) ||
      // The same option under two names (lockfile= and checkPID=): Twisted lets one win.
      /: lockfile is given twice/.test(note) ||
      (/mode must be an octal number/.test(note) && PY_OCTAL.test(value));
    return ok ? { twisted: [["error"]], lr: lr.events } : null;
  },
};

/** "unix-lockfile-ignored": lr accepts `lockfile=`/`checkPID=` but creates no PID lock file. */
const lockfileIgnored: SideRule<EndpointProgram> = {
  id: "unix-lockfile-ignored",
  rewrite(_program, twisted, lr) {
    const t = only(twisted.events);
    const l = only(lr.events);
    const unix = t[0] === "unix-server" || t[0] === "unix-client";
    if (!unix || l[0] !== t[0] || l[l.length - 1] !== null) return null;
    return { twisted: [[...t.slice(0, -1), null]], lr: lr.events };
  },
};

/** "unix-default-mode": without `mode=`, lr leaves the socket's mode to the umask (Twisted: 0666). */
const defaultMode: SideRule<EndpointProgram> = {
  id: "unix-default-mode",
  rewrite(program, twisted, lr) {
    const t = only(twisted.events);
    const l = only(lr.events);
    if (t[0] !== "unix-server" || l[0] !== "unix-server" || l[2] !== null || t[2] !== 0o666)
      return null;
    if (/(^|:)mode=/.test(program.description)) return null;
    return { twisted: [[t[0], t[1], null, ...t.slice(3)]], lr: lr.events };
  },
};

/** "endpoint-empty-type": parseEndpoint rejects a description with an empty type (`:80`, ``). */
const emptyType: SideRule<EndpointProgram> = {
  id: "endpoint-empty-type",
  rewrite(program, twisted, lr) {
    const t = only(twisted.events);
    if (program.kind !== "parse" || t[0] !== "parse" || !isError(lr.events)) return null;
    const args = t[1] as string[];
    if (args[0] !== "" || !/endpoint type/.test(lr.note ?? "")) return null;
    return { twisted: [["error"]], lr: lr.events };
  },
};

/**
 * "endpoint-extra-positionals": a unix: client takes one positional argument, the path, and not also
 * `path=`; Twisted ignores further positionals when `path=` is given and lets a positional path
 * override `path=`.
 */
const extraPositionals: SideRule<EndpointProgram> = {
  id: "endpoint-extra-positionals",
  rewrite(program, twisted, lr) {
    if (program.kind !== "client" || isError(twisted.events) || !isError(lr.events)) return null;
    const note = lr.note ?? "";
    if (!/too many positional arguments for unix|path is given twice/.test(note)) return null;
    return { twisted: [["error"]], lr: lr.events };
  },
};

/** "endpoint-fractional-timeout": lr accepts a fractional number of seconds for `timeout=`; Twisted's int() does not. */
const fractionalTimeout: SideRule<EndpointProgram> = {
  id: "endpoint-fractional-timeout",
  rewrite(program, twisted, lr) {
    if (!isError(twisted.events) || isError(lr.events)) return null;
    const m = /int\(\) with base 10: '(\d+\.\d+)'/.exec(twisted.note ?? "");
    if (m === null || !program.description.includes(`timeout=${m[1]}`)) return null;
    return { twisted: lr.events, lr: lr.events };
  },
};

/** "endpoint-unix-path-alias": an lr unix: server also takes `path=` for `address=`; Twisted knows only `address=`. */
const unixPathAlias: SideRule<EndpointProgram> = {
  id: "endpoint-unix-path-alias",
  rewrite(program, twisted, lr) {
    if (
      program.kind !== "server" ||
      !isError(twisted.events) ||
      only(lr.events)[0] !== "unix-server"
    )
      return null;
    if (!/unexpected keyword argument 'path'/.test(twisted.note ?? "")) return null;
    return { twisted: lr.events, lr: lr.events };
  },
};

/**
 * "endpoint-empty-bind-address": an empty `bindAddress=` means no bind address in lr; Twisted binds
 * to ("", 0) before connecting, which is what an unbound socket does anyway (any address, any port).
 */
const emptyBindAddress: SideRule<EndpointProgram> = {
  id: "endpoint-empty-bind-address",
  rewrite(_program, twisted, lr) {
    const t = only(twisted.events);
    const l = only(lr.events);
    if (t[0] !== "tcp-client" || l[0] !== "tcp-client" || t[4] !== "" || l[4] !== null) return null;
    return { twisted: [[...t.slice(0, 4), null]], lr: lr.events };
  },
};

const ENDPOINT_RULES: readonly SideRule<EndpointProgram>[] = [
  emptyBindAddress,
  fractionalTimeout,
  unixPathAlias,
  extraPositionals,
  stricterValues,
  lockfileIgnored,
  defaultMode,
  emptyType,
];

export const endpointSubject: Subject<EndpointProgram> = {
  name: "endpoints",
  title: "endpoint strings",
  module: "endpoints",
  pySubject: "endpoints",
  arbitrary: endpointArbitrary,
  runLr: runEndpoint,
  rules: ENDPOINT_RULES,
};
