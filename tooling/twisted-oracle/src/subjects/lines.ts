/**
 * Subjects of `@lr/line-protocol`: LineReceiver (text and bytes), LineOnlyReceiver, NetstringReceiver
 * and Int8/16/32StringReceiver, fed chunk by chunk on a StringTransport, scripts reacting to events.
 */
import {
  BytesLineReceiver,
  Int8StringReceiver,
  Int16StringReceiver,
  Int32StringReceiver,
  LineOnlyReceiver,
  LineReceiver,
  NetstringReceiver,
} from "@lr/line-protocol";
import { StringTransport } from "@lr/testing";
import * as fc from "fast-check";
import type { Subject, Trace, TraceEvent } from "../subject.js";

/** A reaction. Strings are bytes written as latin-1 (one char per byte). */
export type LineAction =
  | { k: "raw" | "pause" | "resume" | "clear" | "lose" }
  | { k: "lineMode"; extra: string }
  | { k: "max"; n: number }
  | { k: "delim"; d: string }
  | { k: "send"; s: string };

type Script = Record<string, LineAction[]>;

export interface LineProgram {
  cls: "line" | "lineonly" | "netstring" | "int8" | "int16" | "int32";
  text?: boolean;
  delimiter?: string;
  max: number;
  chunks: string[];
  react: Record<string, Script>;
  between: Script;
}

const fromLatin1 = (s: string) => Buffer.from(s, "latin1");
const show = (data: Uint8Array | string, text: boolean): string =>
  typeof data === "string" ? data : Buffer.from(data).toString(text ? "utf8" : "latin1");

const DELIMS = ["\r\n", "\n", "|", "ab"];
const lineBytes = fc
  .array(fc.constantFrom("a", "b", "c", "\r", "\n", "|", "\xc3\xa9", "\xff"), { maxLength: 12 })
  .map((parts) => parts.join(""));

function actionArb(full: boolean): fc.Arbitrary<LineAction> {
  const common: fc.Arbitrary<LineAction>[] = [
    fc.record({ k: fc.constant("max" as const), n: fc.integer({ min: 0, max: 12 }) }),
    fc.record({ k: fc.constant("lose" as const) }),
    fc.record({ k: fc.constant("send" as const), s: fc.constantFrom("x", "yz", "") }),
  ];
  if (!full) return fc.oneof(...common);
  return fc.oneof(
    ...common,
    fc.record({ k: fc.constant("delim" as const), d: fc.constantFrom(...DELIMS) }),
    fc.record({
      k: fc.constantFrom("raw" as const, "pause" as const, "resume" as const, "clear" as const),
    }),
    fc.record({ k: fc.constant("lineMode" as const), extra: lineBytes }),
  );
}

const script = (full: boolean, keys = 3) =>
  fc.dictionary(
    fc.integer({ min: 1, max: 6 }).map(String),
    fc.array(actionArb(full), { minLength: 1, maxLength: 2 }),
    { maxKeys: keys },
  );

/** Byte strings that are mostly well-formed frames of `cls`, with some damage. */
function frameChunks(cls: LineProgram["cls"]): fc.Arbitrary<string[]> {
  const payload = fc.constantFrom("", "a", "hello", "\x00\xff", "x".repeat(12), ":,");
  const frame = fc.oneof(
    payload.map((p) => {
      if (cls === "netstring") return `${Buffer.byteLength(p, "latin1")}:${p},`;
      const n = cls === "int8" ? 1 : cls === "int16" ? 2 : 4;
      const len = Buffer.alloc(n);
      len.writeUIntBE(p.length, 0, n);
      return len.toString("latin1") + p;
    }),
    fc.constantFrom("12:", "x", "0:,", "\x00", "\x00\x00\x00\x20", "99999999:", "3:abc;", "\x10"),
  );
  return fc.array(frame, { maxLength: 6 }).chain((frames) => {
    const all = frames.join("");
    return fc.array(fc.integer({ min: 0, max: all.length }), { maxLength: 5 }).map((cuts) => {
      const at = [...new Set([0, ...cuts, all.length])].sort((a, b) => a - b);
      return at.slice(1).map((end, i) => all.slice(at[i], end));
    });
  });
}

function lineChunks(): fc.Arbitrary<string[]> {
  return fc.array(lineBytes, { minLength: 1, maxLength: 6 });
}

export const lineArbitrary = (cls: "line" | "lineonly", text: boolean): fc.Arbitrary<LineProgram> =>
  fc.record({
    cls: fc.constant(cls),
    text: fc.constant(text),
    delimiter: fc.constantFrom(...DELIMS),
    max: fc.integer({ min: 0, max: 12 }),
    chunks: lineChunks(),
    react: fc.record({
      line: script(cls === "line"),
      raw: cls === "line" ? script(true) : fc.constant({}),
      exceeded: fc.constant({}),
    }),
    between: script(cls === "line", 2).map((s) =>
      Object.fromEntries(Object.entries(s).map(([k, v]) => [String(Number(k) - 1), v])),
    ),
  });

export const frameArbitrary = (classes: LineProgram["cls"][]): fc.Arbitrary<LineProgram> =>
  fc.constantFrom(...classes).chain((cls) =>
    fc.record({
      cls: fc.constant(cls),
      // Twisted computes log10(MAX_LENGTH) for netstrings: 0 is not a valid limit there.
      max: fc.integer({ min: cls === "netstring" ? 1 : 0, max: 14 }),
      chunks: frameChunks(cls),
      react: fc.record({
        string: fc.dictionary(
          fc.integer({ min: 1, max: 4 }).map(String),
          fc.array(
            fc.oneof(
              fc.record({
                k: fc.constant("max" as const),
                n: fc.integer({ min: cls === "netstring" ? 1 : 0, max: 14 }),
              }),
              // Twisted's NetstringReceiver cannot pause (deliberate difference frames.pausable).
              cls === "netstring"
                ? fc.record({ k: fc.constant("lose" as const) })
                : fc.record({
                    k: fc.constantFrom("pause" as const, "resume" as const, "lose" as const),
                  }),
              fc.record({ k: fc.constant("send" as const), s: fc.constantFrom("x", "") }),
            ),
            { minLength: 1, maxLength: 2 },
          ),
          { maxKeys: 2 },
        ),
      }),
      between:
        cls === "netstring"
          ? fc.constant({})
          : fc.dictionary(
              fc.integer({ min: 0, max: 5 }).map(String),
              fc.array(fc.record({ k: fc.constant("resume" as const) }), { maxLength: 1 }),
              { maxKeys: 2 },
            ),
    }),
  );

interface Scriptable {
  MAX_LENGTH: number;
  transport: StringTransport | null;
  delimiter?: string | Uint8Array;
  setRawMode?(): void;
  setLineMode?(extra?: Uint8Array): void;
  pauseProducing?(): void;
  resumeProducing?(): void;
  clearLineBuffer?(): Uint8Array;
  sendLine?(line: Uint8Array): void;
  sendString?(data: Uint8Array): void;
}

function runScript(
  p: Scriptable,
  t: StringTransport,
  events: TraceEvent[],
  actions: LineAction[],
): void {
  for (const a of actions) {
    if ((a.k === "pause" || a.k === "resume") && t.disconnecting) continue;
    switch (a.k) {
      case "raw":
        p.setRawMode?.();
        break;
      case "lineMode":
        p.setLineMode?.(fromLatin1(a.extra));
        break;
      case "max":
        p.MAX_LENGTH = a.n;
        break;
      case "delim":
        p.delimiter = fromLatin1(a.d);
        break;
      case "pause":
        p.pauseProducing?.();
        break;
      case "resume":
        p.resumeProducing?.();
        break;
      case "clear":
        events.push(["cleared", show(p.clearLineBuffer?.() ?? new Uint8Array(), false)]);
        break;
      case "lose":
        t.loseConnection();
        break;
      case "send":
        if (p.sendLine) p.sendLine(fromLatin1(a.s));
        else p.sendString?.(fromLatin1(a.s));
        break;
    }
  }
}

function build(
  program: LineProgram,
  events: TraceEvent[],
): Scriptable & {
  dataReceived(d: Uint8Array): unknown;
  makeConnection(t: StringTransport): unknown;
} {
  const react = program.react;
  const counts: Record<string, number> = {};
  const next = (kind: string): LineAction[] => {
    counts[kind] = (counts[kind] ?? 0) + 1;
    return react[kind]?.[String(counts[kind])] ?? [];
  };
  const text = program.text === true;
  type Self = Scriptable & { transport: StringTransport | null };
  const onLine = (self: Self, line: string | Uint8Array) => {
    events.push(["line", show(line, text)]);
    runScript(self, self.transport as StringTransport, events, next("line"));
  };
  const onRaw = (self: Self, data: Uint8Array) => {
    events.push(["raw", show(data, false)]);
    runScript(self, self.transport as StringTransport, events, next("raw"));
  };
  const onExceeded = (self: Self, data: Uint8Array) => {
    events.push(["exceeded", show(data, false)]);
    self.transport?.loseConnection();
    runScript(self, self.transport as StringTransport, events, next("exceeded"));
  };
  const onString = (self: Self, data: Uint8Array) => {
    events.push(["string", show(data, false)]);
    runScript(self, self.transport as StringTransport, events, next("string"));
  };
  const onLimit = (self: Self, length: number) => {
    events.push(["limit", length]);
    self.transport?.loseConnection();
  };
  switch (program.cls) {
    case "line": {
      const Base = text ? LineReceiver : BytesLineReceiver;
      class P extends (Base as typeof BytesLineReceiver) {
        override lineReceived(line: Uint8Array): undefined {
          onLine(this as unknown as Self, line);
        }
        override rawDataReceived(data: Uint8Array): undefined {
          onRaw(this as unknown as Self, data);
        }
        override lineLengthExceeded(data: Uint8Array): undefined {
          onExceeded(this as unknown as Self, data);
        }
      }
      return new P() as never;
    }
    case "lineonly": {
      class P extends LineOnlyReceiver {
        override lineReceived(line: string): undefined {
          onLine(this as unknown as Self, line);
        }
        override lineLengthExceeded(data: Uint8Array): undefined {
          onExceeded(this as unknown as Self, data);
        }
      }
      return new P() as never;
    }
    case "netstring": {
      class P extends NetstringReceiver {
        override stringReceived(data: Uint8Array): undefined {
          onString(this as unknown as Self, data);
        }
      }
      return new P() as never;
    }
    default: {
      const Base =
        program.cls === "int8"
          ? Int8StringReceiver
          : program.cls === "int16"
            ? Int16StringReceiver
            : Int32StringReceiver;
      class P extends (Base as typeof Int32StringReceiver) {
        override stringReceived(data: Uint8Array): undefined {
          onString(this as unknown as Self, data);
        }
        override lengthLimitExceeded(length: number): undefined {
          onLimit(this as unknown as Self, length);
        }
      }
      return new P() as never;
    }
  }
}

/** Runs a program on `@lr/line-protocol` with `@lr/testing`'s StringTransport. */
export function runLines(program: LineProgram): Trace {
  const events: TraceEvent[] = [];
  const p = build(program, events);
  if (program.delimiter !== undefined) p.delimiter = fromLatin1(program.delimiter);
  p.MAX_LENGTH = program.max;
  const t = new StringTransport();
  p.makeConnection(t);
  try {
    for (const [i, chunk] of program.chunks.entries()) {
      if (t.disconnecting) break;
      p.dataReceived(fromLatin1(chunk));
      runScript(p, t, events, program.between[String(i)] ?? []);
    }
  } catch (error) {
    events.push(["crash", String(error)]);
  }
  if (program.cls === "netstring")
    events.push(["brokenPeer", (p as unknown as NetstringReceiver).brokenPeer]);
  events.push(["end", t.value().toString("latin1"), t.disconnecting]);
  return { events };
}

const lineSubject = (
  name: string,
  title: string,
  arbitrary: fc.Arbitrary<LineProgram>,
): Subject<LineProgram> => ({
  name,
  title,
  module: "lines",
  pySubject: "lines",
  arbitrary,
  runLr: runLines,
});

export const lineTextSubject = lineSubject(
  "line-text",
  "LineReceiver (text)",
  lineArbitrary("line", true),
);
export const lineBytesSubject = lineSubject(
  "line-bytes",
  "LineReceiver (bytes)",
  lineArbitrary("line", false),
);
export const lineOnlySubject = lineSubject(
  "lineonly",
  "LineOnlyReceiver",
  lineArbitrary("lineonly", true),
);
export const netstringSubject = lineSubject(
  "netstring",
  "NetstringReceiver",
  frameArbitrary(["netstring"]),
);
export const intNSubject = lineSubject(
  "intn",
  "Int8/16/32StringReceiver",
  frameArbitrary(["int8", "int16", "int32"]),
);
