import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesOf, chunked, chunkingArb, errorOf } from "../../test/helpers.js";
import { encodeNetstring, NetstringDecoder, NetstringParseError } from "../index.js";

describe("NetstringDecoder", () => {
  it("decodes netstrings, also one byte at a time, and empty ones", () => {
    const input = bytesOf("5:hello,0:,3:a:b,");
    expect(new NetstringDecoder().push(input).map((p) => Buffer.from(p).toString())).toEqual([
      "hello",
      "",
      "a:b",
    ]);
    const d = new NetstringDecoder();
    const out: string[] = [];
    for (const b of input)
      for (const p of d.push(Uint8Array.of(b))) out.push(Buffer.from(p).toString());
    expect(out).toEqual(["hello", "", "a:b"]);
  });

  const bad: [string, string, number?][] = [
    ["x:abc,", "bad-length"],
    [":abc,", "bad-length"],
    ["03:abc,", "leading-zero"],
    ["-3:abc,", "bad-length"],
    [" 3:abc,", "bad-length"],
    ["3:abc;", "missing-comma"],
    ["100000", "too-long"],
    ["11:", "too-long", 10],
  ];
  for (const [input, reason, max] of bad) {
    it(`rejects ${JSON.stringify(input)} with reason ${reason}, then ignores input`, () => {
      const d = new NetstringDecoder(max === undefined ? {} : { maxLength: max });
      const e = errorOf(() => d.push(bytesOf(input)));
      expect(e).toBeInstanceOf(NetstringParseError);
      expect(e).toMatchObject({ code: "ERR_NETSTRING_PARSE", reason });
      expect(d.broken).toBe(true);
      expect(d.push(bytesOf("1:a,"))).toEqual([]);
      d.reset();
      expect(d.push(bytesOf("1:a,"))).toEqual([bytesOf("a")]);
    });
  }

  it("property: encode then decode is the identity, whatever the chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }),
        chunkingArb,
        (payloads, cuts) => {
          const wire = Buffer.concat(payloads.map((p) => encodeNetstring(p)));
          const d = new NetstringDecoder();
          const got: Uint8Array[] = [];
          for (const c of chunked(wire, cuts))
            for (const p of d.push(c)) got.push(Uint8Array.from(p));
          expect(got).toEqual(payloads.map((p) => Uint8Array.from(p)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("checks length digits already read against a lowered maxLength; a complete length keeps its payload", () => {
    const d = new NetstringDecoder();
    d.push(bytesOf("11"));
    d.maxLength = 10;
    expect(errorOf(() => d.push(new Uint8Array(0)))).toMatchObject({ reason: "too-long" });
    const e = new NetstringDecoder();
    e.push(bytesOf("11:aaa"));
    e.maxLength = 10;
    expect(e.push(bytesOf("aaaaaaaa,"))).toEqual([bytesOf("a".repeat(11))]);
  });
});
