/**
 * Properties of the shared chunk-feeding driver, checked through every decoder built on it (string
 * lines, byte lines, netstrings, 1/2/4-byte length prefixes): any chunking gives the same result,
 * any bytes never crash, and stopping, re-entrant calls and throwing callbacks lose nothing.
 */
import { Buffer } from "node:buffer";
import { LrError } from "@lr/reactor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunked, chunkingArb } from "../../test/helpers.js";
import { EMPTY } from "../bytes.js";
import {
  encodeLengthPrefixed,
  LengthPrefixedDecoder,
  type PrefixLength,
} from "./length-prefixed.js";
import { LineDecoder } from "./line-decoder.js";
import { encodeNetstring, NetstringDecoder } from "./netstring.js";

/** One decoder under test: how to make it, decode with it, and inputs shaped for its format. */
interface Subject {
  name: string;
  make(): { decode(chunk: Uint8Array, onItem: (item: unknown) => unknown): boolean };
  input: fc.Arbitrary<Uint8Array>;
}

const show = (item: unknown) =>
  typeof item === "string" ? `s:${item}` : `b:${Buffer.from(item as Uint8Array).toString("hex")}`;

const noise = fc.uint8Array({ maxLength: 6 });
const lineInput = fc
  .array(
    fc.oneof(fc.constantFrom("a", "é", "\r", "\n", "\r\n", "xyz"), fc.string({ maxLength: 4 })),
    {
      maxLength: 40,
    },
  )
  .map((parts) => new Uint8Array(Buffer.from(parts.join(""), "utf8")));
const netstringInput = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.uint8Array({ maxLength: 12 }).map(encodeNetstring) },
      noise,
    ),
    {
      maxLength: 8,
    },
  )
  .map((parts) => new Uint8Array(Buffer.concat(parts)));
const prefixedInput = (n: PrefixLength) =>
  fc
    .array(
      fc.oneof(
        {
          weight: 4,
          arbitrary: fc.uint8Array({ maxLength: 12 }).map((p) => encodeLengthPrefixed(p, n)),
        },
        noise,
      ),
      { maxLength: 8 },
    )
    .map((parts) => new Uint8Array(Buffer.concat(parts)));

const subjects: Subject[] = [
  {
    name: "LineDecoder (strings)",
    make: () => {
      const d = new LineDecoder({ maxLength: 8 });
      return { decode: (c, f) => d.decodeText(c, f) };
    },
    input: lineInput,
  },
  {
    name: "LineDecoder (bytes, discard)",
    make: () => {
      const d = new LineDecoder({
        delimiter: "\n",
        maxLength: 5,
        overflow: "discard",
        onOverflow: () => {},
      });
      return { decode: (c, f) => d.decode(c, f) };
    },
    input: lineInput,
  },
  {
    name: "NetstringDecoder",
    make: () => new NetstringDecoder({ maxLength: 10 }),
    input: netstringInput,
  },
  ...([1, 2, 4] as const).map(
    (n): Subject => ({
      name: `LengthPrefixedDecoder (${n}-byte prefix)`,
      make: () => new LengthPrefixedDecoder({ prefixLength: n, maxLength: 10 }),
      input: prefixedInput(n),
    }),
  ),
];

/** Decodes `chunks`, recording items; a typed decoding error ends the run (recorded by its code). */
function run(subject: Subject, chunks: Uint8Array[]): string[] {
  const d = subject.make();
  const out: string[] = [];
  for (const c of chunks) {
    try {
      d.decode(c, (item) => void out.push(show(item)));
    } catch (error) {
      expect(error).toBeInstanceOf(LrError);
      out.push(`error:${(error as LrError).code}`);
      break;
    }
  }
  return out;
}

describe("ChunkDecoder (the shared driver), through every decoder", () => {
  for (const subject of subjects) {
    describe(subject.name, () => {
      it("property: any chunking gives the same items and the same error", () => {
        fc.assert(
          fc.property(subject.input, chunkingArb, (input, cuts) => {
            expect(run(subject, chunked(input, cuts))).toEqual(run(subject, [input]));
          }),
          { numRuns: 200 },
        );
      });

      it("property: any bytes never crash (only the package's typed errors are thrown)", () => {
        fc.assert(
          fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) => {
            run(subject, chunks);
          }),
          { numRuns: 200 },
        );
      });

      it("property: stopping after any item and going on with empty chunks loses nothing", () => {
        fc.assert(
          fc.property(
            subject.input,
            chunkingArb,
            fc.array(fc.boolean(), { minLength: 1 }),
            (input, cuts, plan) => {
              const expected = run(subject, [input]);
              if (expected.some((e) => e.startsWith("error:"))) return;
              const d = subject.make();
              const out: string[] = [];
              let k = 0;
              const onItem = (item: unknown) => {
                out.push(show(item));
                return plan[k++ % plan.length] ? false : undefined;
              };
              for (const c of chunked(input, cuts)) {
                let done = d.decode(c, onItem);
                while (!done) done = d.decode(EMPTY, onItem);
              }
              expect(out).toEqual(expected);
            },
          ),
          { numRuns: 200 },
        );
      });

      it("property: chunks passed to decode from inside a callback are decoded after, in order", () => {
        fc.assert(
          fc.property(subject.input, chunkingArb, (input, cuts) => {
            const expected = run(subject, [input]);
            if (expected.some((e) => e.startsWith("error:"))) return;
            const [first, ...rest] = chunked(input, cuts);
            const d = subject.make();
            const out: string[] = [];
            const onItem = (item: unknown) => {
              out.push(show(item));
              const next = rest.shift();
              if (next !== undefined) d.decode(next, onItem); // only queued
            };
            d.decode(first ?? EMPTY, onItem);
            while (rest.length !== 0) d.decode(rest.shift() as Uint8Array, onItem);
            expect(out).toEqual(expected);
          }),
          { numRuns: 200 },
        );
      });

      it("property: a callback that throws loses no input (decoding goes on at the next call)", () => {
        fc.assert(
          fc.property(
            subject.input,
            chunkingArb,
            fc.array(fc.boolean(), { minLength: 1 }),
            (input, cuts, plan) => {
              const expected = run(subject, [input]);
              if (expected.some((e) => e.startsWith("error:"))) return;
              const d = subject.make();
              const out: string[] = [];
              let k = 0;
              const onItem = (item: unknown) => {
                out.push(show(item));
                if (plan[k++ % plan.length]) throw new Error("handler failed");
              };
              for (const c of chunked(input, cuts)) {
                let chunk = c;
                for (;;) {
                  try {
                    d.decode(chunk, onItem);
                    break;
                  } catch (error) {
                    expect((error as Error).message).toBe("handler failed");
                    chunk = EMPTY;
                  }
                }
              }
              expect(out).toEqual(expected);
            },
          ),
          { numRuns: 200 },
        );
      });
    });
  }
});
