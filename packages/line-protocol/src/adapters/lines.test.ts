import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { bytesOf } from "../../test/helpers.js";
import { byteLines, lines } from "../index.js";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("lines() / byteLines()", () => {
  it("iterates the lines of a Node Readable", async () => {
    const readable = Readable.from([bytesOf("one\r\ntw"), bytesOf("o\r\n"), "three"]);
    expect(await collect(lines(readable))).toEqual(["one", "two", "three"]);
  });

  it("throws LineTooLongError after the lines before it", async () => {
    const readable = Readable.from([bytesOf("a\r\nbbbbbbbb\r\nc\r\n")]);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const l of lines(readable, { maxLength: 3 })) seen.push(l);
      })(),
    ).rejects.toMatchObject({ code: "ERR_LINE_TOO_LONG" });
    expect(seen).toEqual(["a"]);
  });

  it("discard policy with onOverflow skips the long line and goes on", async () => {
    const skipped: number[] = [];
    const out = await collect(
      byteLines(Readable.from([bytesOf("a\r\nbbbbbbbb\r\nc\r\n")]), {
        maxLength: 3,
        overflow: "discard",
        onOverflow: (o) => skipped.push(o.length),
      }),
    );
    expect(out).toEqual([bytesOf("a"), bytesOf("c")]);
    expect(skipped).toEqual([8]);
  });
});
