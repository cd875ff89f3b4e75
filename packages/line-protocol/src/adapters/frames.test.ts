import { Buffer } from "node:buffer";
import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesOf, chunked, chunkingArb } from "../../test/helpers.js";
import {
  encodeLengthPrefixed,
  encodeNetstring,
  frames,
  LengthPrefixedDecoder,
  NetstringDecoder,
  type PrefixLength,
} from "../index.js";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const str = (b: Uint8Array) => Buffer.from(b).toString();

describe("frames(): any decoder over any async byte source", () => {
  it("iterates netstring payloads of a Node Readable", async () => {
    const src = Readable.from([bytesOf("5:hel"), bytesOf("lo,0:,3:a"), ":b,"]);
    expect((await collect(frames(src, new NetstringDecoder()))).map(str)).toEqual([
      "hello",
      "",
      "a:b",
    ]);
  });

  it("iterates length-prefixed frames", async () => {
    const wire = Buffer.concat([encodeLengthPrefixed("ab", 2), encodeLengthPrefixed("", 2)]);
    const src = Readable.from([wire.subarray(0, 3), wire.subarray(3)]);
    const out = await collect(frames(src, new LengthPrefixedDecoder({ prefixLength: 2 })));
    expect(out.map(str)).toEqual(["ab", ""]);
  });

  it("throws the decoding error after the frames before it", async () => {
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const p of frames(
          Readable.from([bytesOf("1:a,03:abc,")]),
          new NetstringDecoder(),
        ))
          seen.push(str(p));
      })(),
    ).rejects.toMatchObject({ code: "ERR_NETSTRING_PARSE", reason: "leading-zero" });
    expect(seen).toEqual(["a"]);
  });

  it("throws TruncatedFrameError when the source ends inside a frame", async () => {
    const it = frames(Readable.from([bytesOf("1:a,4:ab")]), new NetstringDecoder());
    await expect(collect(it)).rejects.toMatchObject({ code: "ERR_TRUNCATED_FRAME", length: 2 });
    const lp = frames(Readable.from([Uint8Array.of(0, 0, 0)]), new LengthPrefixedDecoder());
    await expect(collect(lp)).rejects.toMatchObject({ code: "ERR_TRUNCATED_FRAME", length: 3 });
  });

  it("property: any chunking of encoded frames yields the payloads (netstrings and 1/2/4-byte prefixes)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<PrefixLength | "netstring">("netstring", 1, 2, 4),
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }),
        chunkingArb,
        async (kind, payloads, cuts) => {
          const encode = (p: Uint8Array) =>
            kind === "netstring" ? encodeNetstring(p) : encodeLengthPrefixed(p, kind);
          const wire = new Uint8Array(Buffer.concat(payloads.map(encode)));
          const decoder =
            kind === "netstring"
              ? new NetstringDecoder()
              : new LengthPrefixedDecoder({ prefixLength: kind });
          const out = await collect(frames(Readable.from(chunked(wire, cuts)), decoder));
          expect(out.map((p) => Uint8Array.from(p))).toEqual(
            payloads.map((p) => Uint8Array.from(p)),
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});
