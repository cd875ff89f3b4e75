import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesOf, chunked, chunkingArb, errorOf } from "../../test/helpers.js";
import {
  encodeLengthPrefixed,
  FrameTooLongError,
  LengthPrefixedDecoder,
  type PrefixLength,
  StringTooLongError,
} from "../index.js";

describe("LengthPrefixedDecoder", () => {
  it("decodes big-endian 1, 2 and 4-byte prefixes", () => {
    expect(
      new LengthPrefixedDecoder({ prefixLength: 1 }).push(Uint8Array.of(2, 104, 105, 0)),
    ).toEqual([bytesOf("hi"), new Uint8Array(0)]);
    expect(new LengthPrefixedDecoder({ prefixLength: 2 }).push(Uint8Array.of(0, 1, 120))).toEqual([
      bytesOf("x"),
    ]);
    expect(encodeLengthPrefixed("hi", 4)).toEqual(Uint8Array.of(0, 0, 0, 2, 104, 105));
  });

  it("rejects a prefix over maxLength (drop: nothing more is decoded)", () => {
    const d = new LengthPrefixedDecoder({ prefixLength: 2, maxLength: 10 });
    const e = errorOf(() => d.push(Uint8Array.of(0, 11)));
    expect(e).toBeInstanceOf(FrameTooLongError);
    expect(e).toMatchObject({ code: "ERR_FRAME_TOO_LONG", length: 11, maxLength: 10 });
    expect(d.push(Uint8Array.of(0, 1, 65))).toEqual([]);
    const ok = new LengthPrefixedDecoder({ prefixLength: 2, maxLength: 10 });
    expect(ok.push(encodeLengthPrefixed("0123456789", 2))).toHaveLength(1); // == max is fine
  });

  it("discard policy skips the too-long payload and goes on", () => {
    const seen: number[] = [];
    const d = new LengthPrefixedDecoder({
      prefixLength: 1,
      maxLength: 2,
      overflow: "discard",
      onOverflow: (n) => seen.push(n),
    });
    expect(d.push(Uint8Array.of(3, 1, 2))).toEqual([]);
    expect(d.push(Uint8Array.of(3, 1, 65))).toEqual([bytesOf("A")]);
    expect(seen).toEqual([3]);
  });

  it("checks a length already read against a lowered maxLength (discard: skips the rest of it)", () => {
    const seen: number[] = [];
    const d = new LengthPrefixedDecoder({
      prefixLength: 1,
      maxLength: 10,
      overflow: "discard",
      onOverflow: (n) => seen.push(n),
    });
    expect(d.push(Uint8Array.of(5, 65, 66))).toEqual([]);
    d.maxLength = 4;
    expect(d.push(Uint8Array.of(67, 68, 69, 1, 90))).toEqual([bytesOf("Z")]);
    expect(seen).toEqual([5]);
    const drop = new LengthPrefixedDecoder({ prefixLength: 2, maxLength: 10 });
    drop.push(Uint8Array.of(0, 5, 65));
    drop.maxLength = 4;
    expect(errorOf(() => drop.push(new Uint8Array(0)))).toBeInstanceOf(FrameTooLongError);
    expect(drop.broken).toBe(true);
  });

  it("unparsed() and replaceUnparsed() give and replace the input as received", () => {
    const d = new LengthPrefixedDecoder({ prefixLength: 1 });
    const got: string[] = [];
    d.decode(Uint8Array.of(1, 65, 2, 66), (p) => {
      got.push(Buffer.from(p).toString());
      if (got.length > 1) return;
      expect(d.unparsed()).toEqual(Uint8Array.of(2, 66));
      d.replaceUnparsed(Uint8Array.of(1, 67));
    });
    expect(got).toEqual(["A", "C"]);
    d.push(Uint8Array.of(3, 68));
    expect(d.unparsed()).toEqual(Uint8Array.of(3, 68));
    expect(errorOf(() => d.finish())).toMatchObject({ code: "ERR_TRUNCATED_FRAME" });
  });

  it("the encoder refuses strings that do not fit the prefix", () => {
    const e = errorOf(() => encodeLengthPrefixed(new Uint8Array(256), 1));
    expect(e).toBeInstanceOf(StringTooLongError);
    expect(e).toMatchObject({ code: "ERR_STRING_TOO_LONG", length: 256, limit: 256 });
    expect(encodeLengthPrefixed(new Uint8Array(255), 1)).toHaveLength(256);
    expect(() => encodeLengthPrefixed(new Uint8Array(65536), 2)).toThrow(StringTooLongError);
  });

  it("property: encode then decode is the identity for every prefix size and chunking", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<PrefixLength>(1, 2, 4),
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        chunkingArb,
        (n, payloads, cuts) => {
          const fitting = payloads.map((p) => (n === 1 ? p.subarray(0, 255) : p));
          const wire = Buffer.concat(fitting.map((p) => encodeLengthPrefixed(p, n)));
          const d = new LengthPrefixedDecoder({ prefixLength: n, maxLength: 1000 });
          const got: Uint8Array[] = [];
          for (const c of chunked(wire, cuts))
            for (const p of d.push(c)) got.push(Uint8Array.from(p));
          expect(got).toEqual(fitting.map((p) => Uint8Array.from(p)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
