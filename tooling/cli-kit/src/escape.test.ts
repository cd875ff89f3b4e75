import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeString, escapeText, TextEscaper } from "./escape.js";

const b = (s: string | number[]): Buffer =>
  typeof s === "string" ? Buffer.from(s, "latin1") : Buffer.from(s);

/** Inverse of escapeText: proves the escaping loses nothing and is unambiguous. */
function decodeEscapes(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] === "\\") {
      const c = text[i + 1];
      if (c === "n") out.push(10);
      else if (c === "r") out.push(13);
      else if (c === "\\") out.push(0x5c);
      else if (c === "x") {
        out.push(Number.parseInt(text.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      } else if (c === "u") {
        out.push(
          ...Buffer.from(String.fromCodePoint(Number.parseInt(text.slice(i + 2, i + 6), 16))),
        );
        i += 6;
        continue;
      } else throw new Error(`bad escape at ${i}`);
      i += 2;
      continue;
    }
    const cp = text.codePointAt(i) as number;
    out.push(...Buffer.from(String.fromCodePoint(cp)));
    i += cp > 0xffff ? 2 : 1;
  }
  return Buffer.from(out);
}

// C0 but TAB, DEL, C1, and the invisible reordering / separator controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding controls is the point.
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;

describe("escapeText", () => {
  it("keeps printable ASCII, TAB and valid UTF-8", () => {
    expect(escapeText(b("hello world\tok"))).toBe("hello world\tok");
    expect(escapeText(Buffer.from("héllo ✓ 𝄞"))).toBe("héllo ✓ 𝄞");
  });

  it("escapes CR, LF and backslash so a peer cannot forge output lines", () => {
    expect(escapeText(b("x\nserver stopped: 999 connections\r\n"))).toBe(
      "x\\nserver stopped: 999 connections\\r\\n",
    );
    expect(escapeText(b("a\\nb"))).toBe("a\\\\nb");
  });

  it("escapes ESC sequences, BEL, DEL and NUL (terminal injection)", () => {
    expect(escapeText(b("\x1b[2J\x1b]0;title\x07\x1b]52;c;aGk=\x07\x7f\x00"))).toBe(
      "\\x1b[2J\\x1b]0;title\\x07\\x1b]52;c;aGk=\\x07\\x7f\\x00",
    );
  });

  it("escapes C1 controls (their UTF-8 bytes) and bidi overrides", () => {
    expect(escapeText(Buffer.from("a\u009b2Jb\u0085"))).toBe("a\\xc2\\x9b2Jb\\xc2\\x85");
    expect(escapeText(Buffer.from("x\u202ey\u2028z"))).toBe("x\\u202ey\\u2028z");
  });

  it("escapes invalid UTF-8 byte by byte", () => {
    expect(escapeText(b([0x61, 0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xe2, 0x82]))).toBe(
      "a\\xff\\xc0\\xaf\\xed\\xa0\\x80\\xe2\\x82",
    );
    expect(escapeText(b([0xf4, 0x90, 0x80, 0x80]))).toBe("\\xf4\\x90\\x80\\x80");
  });

  it("honours start and end", () => {
    expect(escapeText(b("ab\ncd"), 1, 4)).toBe("b\\nc");
  });

  it("any bytes: never prints a control, and the escaping is reversible", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = escapeText(bytes);
        expect(UNSAFE.test(text)).toBe(false);
        expect(decodeEscapes(text).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("any string: its UTF-8 form round-trips", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 32 }), (s) => {
        const text = escapeText(Buffer.from(s));
        expect(decodeEscapes(text).equals(Buffer.from(s))).toBe(true);
      }),
    );
  });
});

describe("escapeString", () => {
  it("returns clean text unchanged and escapes the rest", () => {
    expect(escapeString("plain")).toBe("plain");
    expect(escapeString("a\r\nb\x1b")).toBe("a\\r\\nb\\x1b");
  });
});

describe("TextEscaper", () => {
  it("any bytes, any chunking: the same text as escapeText of the whole", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.nat(64), { maxLength: 8 }),
        (bytes, cuts) => {
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const e = new TextEscaper();
          let out = "";
          let from = 0;
          for (const p of [...points, bytes.length]) {
            out += e.write(bytes.subarray(from, p));
            from = p;
          }
          out += e.end();
          expect(out).toBe(escapeText(bytes));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
