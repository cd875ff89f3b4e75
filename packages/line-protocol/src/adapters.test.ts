import { Readable } from "node:stream";
import { ReadableStream } from "node:stream/web";
import { StringTransport } from "@lr/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesOf, chunked, chunkingArb } from "../test/helpers.js";
import {
  BytesLineSplitterStream,
  byteLines,
  ChunkQueue,
  LineSplitterStream,
  LineTooLongError,
  lines,
} from "./index.js";

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

  it("iterates lines fed by a protocol through a ChunkQueue, with backpressure", async () => {
    const transport = new StringTransport();
    const queue = new ChunkQueue({ transport, highWaterMark: 4 });
    const consumer = collect(lines(queue));
    queue.push(bytesOf("hello\r\n"));
    expect(transport.producerState).toBe("paused");
    queue.push(bytesOf("world\r\n"));
    queue.end();
    expect(await consumer).toEqual(["hello", "world"]);
    expect(transport.producerState).toBe("producing");
  });

  it("a ChunkQueue error reaches the consumer", async () => {
    const queue = new ChunkQueue();
    queue.push(bytesOf("x\r\n"));
    queue.error(new Error("lost"));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const l of lines(queue)) seen.push(l);
      })(),
    ).rejects.toThrow("lost");
    expect(seen).toEqual(["x"]);
  });
});
