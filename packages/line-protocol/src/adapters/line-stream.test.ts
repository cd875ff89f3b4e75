import { ReadableStream } from "node:stream/web";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesOf, chunked, chunkingArb } from "../../test/helpers.js";
import { BytesLineSplitterStream, LineSplitterStream, LineTooLongError } from "../index.js";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function webSource(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const x of chunks) c.enqueue(x);
      c.close();
    },
  });
}

describe("LineSplitterStream", () => {
  it("splits chunks into lines, with the trailing line by default", async () => {
    const out = await collect(
      webSource([bytesOf("a\r\nb"), bytesOf("é\r"), bytesOf("\nlast")]).pipeThrough(
        new LineSplitterStream(),
      ),
    );
    expect(out).toEqual(["a", "bé", "last"]);
  });

  it("can drop the trailing line and deliver bytes", async () => {
    const out = await collect(
      webSource([bytesOf("a\nb")]).pipeThrough(
        new BytesLineSplitterStream({ delimiter: "\n", trailing: false }),
      ),
    );
    expect(out).toEqual([bytesOf("a")]);
  });

  it("errors the stream with LineTooLongError past maxLength", async () => {
    const stream = webSource([bytesOf("ok\r\n"), bytesOf("toolong")]).pipeThrough(
      new LineSplitterStream({ maxLength: 4 }),
    );
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const l of stream) seen.push(l);
      })(),
    ).rejects.toBeInstanceOf(LineTooLongError);
    expect(seen).toEqual(["ok"]);
  });

  it("property: encode (join with the delimiter) then decode is the identity", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: "grapheme" }).filter((s) => !s.includes("\r\n") && !s.endsWith("\r")),
          { maxLength: 20 },
        ),
        chunkingArb,
        async (input, cuts) => {
          const wire = bytesOf(input.map((l) => `${l}\r\n`).join(""));
          const out = await collect(
            webSource(chunked(wire, cuts)).pipeThrough(
              new LineSplitterStream({ maxLength: Number.POSITIVE_INFINITY }),
            ),
          );
          expect(out).toEqual(input);
        },
      ),
      { numRuns: 200 },
    );
  });
});
