import { Buffer } from "node:buffer";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesOf, chunked, chunkingArb, type Frame, referenceFrames } from "../../test/helpers.js";
import { LineTooLongError } from "../errors.js";
import {
  LineDecoder,
  type LineDecoderOptions,
  type LineOverflow,
  setScanWindowForTesting,
} from "./line-decoder.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");

/** Feeds chunks, collecting lines (as text or bytes) and overflow reports as frames. */
function run(chunks: Uint8Array[], options: LineDecoderOptions, asText = true): Frame[] {
  const frames: Frame[] = [];
  const d = new LineDecoder({ ...options, onOverflow: () => frames.push({ overflow: true }) });
  for (const c of chunks) {
    if (asText) d.decodeText(c, (line) => void frames.push({ line }));
    else d.decode(c, (line) => void frames.push({ line: text(line) }));
  }
  return frames;
}

describe("LineDecoder: Twisted's edge cases", () => {
  it("joins a line split across chunks", () => {
    const d = new LineDecoder();
    expect(d.pushText(bytesOf("ab"))).toEqual([]);
    expect(d.pushText(bytesOf("c\r\n"))).toEqual(["abc"]);
  });

  it("finds a delimiter split across chunks (CR | LF)", () => {
    const d = new LineDecoder();
    expect(d.pushText(bytesOf("abc\r"))).toEqual([]);
    expect(d.pushText(bytesOf("\ndef\r\n"))).toEqual(["abc", "def"]);
  });

  it("finds a long delimiter split over three chunks", () => {
    const d = new LineDecoder({ delimiter: "<END>" });
    expect(d.pushText(bytesOf("a<E"))).toEqual([]);
    expect(d.pushText(bytesOf("N"))).toEqual([]);
    expect(d.pushText(bytesOf("D>b<END><"))).toEqual(["a", "b"]);
    expect(d.pushText(bytesOf("x"))).toEqual([]);
    expect(d.finish()).toEqual(bytesOf("<x"));
  });

  it("delivers empty lines", () => {
    expect(new LineDecoder().pushText(bytesOf("\r\n\r\n"))).toEqual(["", ""]);
  });

  it("keeps a lone LF or CR inside a CRLF line", () => {
    expect(new LineDecoder().pushText(bytesOf("a\nb\r\na\rb\r\n"))).toEqual(["a\nb", "a\rb"]);
  });

  it("splits on LF only with delimiter \\n, keeping the CR", () => {
    expect(new LineDecoder({ delimiter: "\n" }).pushText(bytesOf("a\r\nb\n\n"))).toEqual([
      "a\r",
      "b",
      "",
    ]);
  });

  it("accepts a line of exactly maxLength, also with CR and LF in different chunks", () => {
    const line = "x".repeat(16384);
    expect(new LineDecoder().pushText(bytesOf(`${line}\r\n`))).toEqual([line]);
    const d = new LineDecoder();
    expect(d.pushText(bytesOf(`${line}\r`))).toEqual([]);
    expect(d.pushText(bytesOf("\n"))).toEqual([line]);
  });

  it("reports maxLength + 1 with a delimiter (drop: line + delimiter + rest)", () => {
    const seen: LineOverflow[] = [];
    const d = new LineDecoder({ maxLength: 8, onOverflow: (o) => seen.push(o) });
    expect(d.pushText(bytesOf("12345678\r\n123456789\r\nz\r\n"))).toEqual(["12345678"]);
    expect(seen.map((o) => [o.length, text(o.data)])).toEqual([[9, "123456789\r\nz\r\n"]]);
    expect(d.bufferedLength).toBe(0);
    expect(d.pushText(bytesOf("next\r\n"))).toEqual(["next"]);
  });

  it("reports maxLength + 1 without a delimiter as soon as it is certain", () => {
    const seen: number[] = [];
    const d = new LineDecoder({ maxLength: 8, onOverflow: (o) => seen.push(o.length) });
    expect(d.pushText(bytesOf("12345678"))).toEqual([]);
    expect(seen).toEqual([]);
    expect(d.pushText(bytesOf("\r"))).toEqual([]); // could still be a legal 8-byte line
    expect(seen).toEqual([]);
    d.pushText(bytesOf("9"));
    expect(seen).toEqual([10]);
  });

  it("judges a held partial line again on an empty chunk after maxLength was lowered", () => {
    const seen: [number, string][] = [];
    const d = new LineDecoder({ onOverflow: (o) => seen.push([o.length, text(o.data)]) });
    d.pushText(bytesOf("abcdef\r"));
    d.maxLength = 4;
    expect(d.pushText(new Uint8Array(0))).toEqual([]);
    expect(seen).toEqual([[6, "abcdef\r"]]);
    expect(d.bufferedLength).toBe(0);
  });

  it("drop: an over-long line whose delimiter was split keeps its piece of the delimiter in data", () => {
    const seen: string[] = [];
    const d = new LineDecoder({ onOverflow: (o) => seen.push(text(o.data)) });
    d.pushText(bytesOf("abcdef\r"));
    d.maxLength = 3;
    expect(d.pushText(bytesOf("\nrest"))).toEqual([]);
    expect(seen).toEqual(["abcdef\r\nrest"]);
  });

  it("throws LineTooLongError without onOverflow, and starts fresh afterwards (drop)", () => {
    const d = new LineDecoder({ maxLength: 4 });
    const err = (() => {
      try {
        d.pushText(bytesOf("123456"));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LineTooLongError);
    expect((err as LineTooLongError).code).toBe("ERR_LINE_TOO_LONG");
    expect((err as LineTooLongError).length).toBe(6);
    expect(d.pushText(bytesOf("ok\r\n"))).toEqual(["ok"]);
  });

  it("discard policy skips to the next delimiter and goes on", () => {
    const seen: number[] = [];
    const d = new LineDecoder({
      maxLength: 3,
      overflow: "discard",
      onOverflow: (o) => seen.push(o.length),
    });
    expect(d.pushText(bytesOf("abcdef"))).toEqual([]);
    expect(d.pushText(bytesOf("ghi\r"))).toEqual([]);
    expect(d.pushText(bytesOf("\nok\r\nlonger\r\nyes\r\n"))).toEqual(["ok", "yes"]);
    expect(seen).toEqual([6, 6]);
  });

  it("discard policy without onOverflow throws once and keeps the rest for the next call", () => {
    const d = new LineDecoder({ maxLength: 3, overflow: "discard" });
    expect(() => d.pushText(bytesOf("a\r\ntoolong\r\nb\r\n"))).toThrow(LineTooLongError);
    expect(d.pushText(new Uint8Array(0))).toEqual(["b"]);
  });

  it("decodes a multi-byte UTF-8 character split across chunks", () => {
    const bytes = bytesOf("héllo wörld 🎉\r\n");
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new LineDecoder();
      const lines = [...d.pushText(bytes.subarray(0, cut)), ...d.pushText(bytes.subarray(cut))];
      expect(lines).toEqual(["héllo wörld 🎉"]);
    }
  });

  it("maxLength counts bytes, not characters", () => {
    const seen: number[] = [];
    const d = new LineDecoder({ maxLength: 4, onOverflow: (o) => seen.push(o.length) });
    expect(d.pushText(bytesOf("éé\r\n"))).toEqual(["éé"]); // 4 bytes
    d.pushText(bytesOf("ééé\r\n")); // 6 bytes
    expect(seen).toEqual([6]);
  });

  it("stops when the callback returns false and resumes with an empty chunk", () => {
    const d = new LineDecoder();
    const got: string[] = [];
    expect(
      d.decodeText(bytesOf("a\r\nb\r\nc"), (l) => {
        got.push(l);
        return l !== "a";
      }),
    ).toBe(false);
    expect(got).toEqual(["a"]);
    expect(d.hasBacklog).toBe(true);
    expect(text(d.buffered())).toBe("b\r\nc");
    expect(d.decodeText(bytesOf("\r\n"), (l) => void got.push(l))).toBe(true);
    expect(got).toEqual(["a", "b", "c"]);
  });

  it("takeBuffered hands over the partial line and the unscanned rest", () => {
    const d = new LineDecoder();
    d.decodeText(bytesOf("x\r\nrest\r\nparti"), () => false);
    expect(text(d.takeBuffered())).toBe("rest\r\nparti");
    expect(d.bufferedLength).toBe(0);
  });

  it("a re-entrant decode call is queued after the current chunk (FIFO)", () => {
    const d = new LineDecoder();
    const got: string[] = [];
    d.decodeText(bytesOf("re\r\nafter\r\n"), (l) => {
      got.push(l);
      if (l === "re") d.decodeText(bytesOf("inner\r\n"), (x) => void got.push(`WRONG ${x}`));
    });
    expect(got).toEqual(["re", "after", "inner"]);
  });

  it("an exception in the callback loses no input", () => {
    const d = new LineDecoder();
    expect(() =>
      d.decodeText(bytesOf("a\r\nb\r\n"), (l) => {
        if (l === "a") throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(d.pushText(new Uint8Array(0))).toEqual(["b"]);
  });

  it("byte lines are views of the input when inside one chunk, copies when spanning", () => {
    const chunk = bytesOf("ab\r\ncd");
    const d = new LineDecoder();
    const [ab] = d.push(chunk);
    expect(ab?.buffer).toBe(chunk.buffer);
    const [cd] = d.push(bytesOf("\r\n"));
    expect(cd?.buffer).not.toBe(chunk.buffer);
    chunk[4] = 0x7a;
    expect(text(cd as Uint8Array)).toBe("cd");
  });

  it("rejects an empty delimiter and a bad maxLength", () => {
    expect(() => new LineDecoder({ delimiter: "" })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG" }),
    );
    expect(() => new LineDecoder({ maxLength: -1 })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG" }),
    );
  });

  it("does not rescan a long partial line (linear in the input)", () => {
    // 1 MiB delivered in 1-byte chunks: a rescanning decoder does ~5e11 byte comparisons here.
    const d = new LineDecoder({ maxLength: 2 * 1024 * 1024 });
    const one = bytesOf("x");
    for (let i = 0; i < 1024 * 1024; i++) d.decode(one, () => undefined);
    expect(d.bufferedLength).toBe(1024 * 1024);
    expect(d.push(bytesOf("\r\n"))[0]?.length).toBe(1024 * 1024);
  });
});

function properties(window: number) {
  describe(`LineDecoder properties (scan window ${window} bytes)`, () => {
    beforeAll(() => setScanWindowForTesting(window));
    afterAll(() => setScanWindowForTesting(32 * 1024));

    const delimiters = fc.constantFrom("\r\n", "\n", "\r\n\r\n", "ab", "\u0000", "é");
    const alphabet = fc.constantFrom(..."ab\r\n\u0000xé🎉".split(""), "\r\n");

    it("any chunking of the same bytes gives the same frames (text and bytes, discard policy)", () => {
      fc.assert(
        fc.property(
          fc.array(alphabet, { maxLength: 200 }).map((a) => a.join("")),
          delimiters,
          fc.integer({ min: 0, max: 12 }),
          chunkingArb,
          (input, delimiter, maxLength, cuts) => {
            const bytes = bytesOf(input);
            const options: LineDecoderOptions = { delimiter, maxLength, overflow: "discard" };
            const expected = referenceFrames(bytes, bytesOf(delimiter), maxLength);
            expect(run(chunked(bytes, cuts), options, true)).toEqual(expected);
            expect(run(chunked(bytes, cuts), options, false)).toEqual(expected);
          },
        ),
        { numRuns: 500 },
      );
    });

    it("long byte lines (searched with Buffer.indexOf) give the same frames as short ones, whatever the chunking", () => {
      const piece = fc.oneof(
        fc.constantFrom("\r\n", "\n", "\r", "é"),
        fc.integer({ min: 1, max: 700 }).map((n) => "x".repeat(n)),
      );
      fc.assert(
        fc.property(
          fc.array(piece, { maxLength: 12 }).map((a) => a.join("")),
          fc.constantFrom("\r\n", "\n"),
          fc.constantFrom(100, 300, 1000, 4000),
          chunkingArb,
          (input, delimiter, maxLength, cuts) => {
            const bytes = bytesOf(input);
            const options: LineDecoderOptions = { delimiter, maxLength, overflow: "discard" };
            const expected = referenceFrames(bytes, bytesOf(delimiter), maxLength);
            expect(run(chunked(bytes, cuts), options, false)).toEqual(expected);
            expect(run(chunked(bytes, cuts), options, true)).toEqual(expected);
          },
        ),
        { numRuns: 300 },
      );
    });

    it("string lines equal Buffer#toString of the line's bytes, for arbitrary bytes", () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 300 }),
          fc.constantFrom("\r\n", "\n", "\u00ff\u0080"),
          chunkingArb,
          (bytes, delimiter, cuts) => {
            const delim =
              delimiter === "\u00ff\u0080" ? Buffer.from([0xff, 0x80]) : bytesOf(delimiter);
            const expected = referenceFrames(bytes, delim, Number.POSITIVE_INFINITY);
            expect(
              run(chunked(bytes, cuts), { delimiter: delim, maxLength: Number.POSITIVE_INFINITY }),
            ).toEqual(expected);
          },
        ),
        { numRuns: 500 },
      );
    });

    it("bytes buffered never exceed maxLength + delimiter length, whatever the chunking", () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 400 }).map((b) => b.map((x) => (x < 40 ? 10 : x))),
          fc.integer({ min: 0, max: 50 }),
          chunkingArb,
          fc.constantFrom<"drop" | "discard">("drop", "discard"),
          (bytes, maxLength, cuts, overflow) => {
            const d = new LineDecoder({
              delimiter: "\n",
              maxLength,
              overflow,
              onOverflow: () => undefined,
            });
            for (const c of chunked(bytes, cuts)) {
              d.decode(c, () => undefined);
              expect(d.bufferedLength).toBeLessThanOrEqual(maxLength + 1);
            }
          },
        ),
        { numRuns: 300 },
      );
    });

    it("stopping after random lines and resuming delivers every line once, in order", () => {
      fc.assert(
        fc.property(
          fc
            .array(fc.constantFrom("a", "b", "\r\n", "cd"), { maxLength: 100 })
            .map((a) => a.join("")),
          chunkingArb,
          fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
          (input, cuts, stops) => {
            const bytes = bytesOf(input);
            const expected = referenceFrames(bytes, bytesOf("\r\n"), Number.POSITIVE_INFINITY);
            const got: Frame[] = [];
            const d = new LineDecoder({ maxLength: Number.POSITIVE_INFINITY });
            let k = 0;
            const cb = (line: string) => {
              got.push({ line });
              return stops[k++ % stops.length] ? false : undefined;
            };
            for (const c of chunked(bytes, cuts)) d.decodeText(c, cb);
            while (!d.decodeText(new Uint8Array(0), cb)) {}
            expect(got).toEqual(expected);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
}

properties(32 * 1024);
properties(5);
