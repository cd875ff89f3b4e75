import { Buffer } from "node:buffer";
import { ReadableStream } from "node:stream/web";
import { describe, expect, it } from "vitest";
import { bytesOf } from "../../test/helpers.js";
import {
  DecoderStream,
  encodeLengthPrefixed,
  LengthPrefixedDecoder,
  NetstringDecoder,
} from "../index.js";

function webSource(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const x of chunks) c.enqueue(x);
      c.close();
    },
  });
}
async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const str = (b: Uint8Array) => Buffer.from(b).toString();

describe("DecoderStream: a TransformStream over any decoder", () => {
  it("turns byte chunks into netstring payloads", async () => {
    const out = await collect(
      webSource([bytesOf("5:he"), bytesOf("llo,2:ok,")]).pipeThrough(
        new DecoderStream(new NetstringDecoder()),
      ),
    );
    expect(out.map(str)).toEqual(["hello", "ok"]);
  });

  it("turns byte chunks into length-prefixed frames", async () => {
    const wire = Buffer.concat([encodeLengthPrefixed("abc", 1), encodeLengthPrefixed("d", 1)]);
    const out = await collect(
      webSource([wire.subarray(0, 2), wire.subarray(2)]).pipeThrough(
        new DecoderStream(new LengthPrefixedDecoder({ prefixLength: 1 })),
      ),
    );
    expect(out.map(str)).toEqual(["abc", "d"]);
  });

  it("errors the stream on bad input and on a frame cut short at the end", async () => {
    await expect(
      collect(webSource([bytesOf("x:")]).pipeThrough(new DecoderStream(new NetstringDecoder()))),
    ).rejects.toMatchObject({ code: "ERR_NETSTRING_PARSE" });
    await expect(
      collect(
        webSource([Uint8Array.of(5, 1)]).pipeThrough(
          new DecoderStream(new LengthPrefixedDecoder({ prefixLength: 1 })),
        ),
      ),
    ).rejects.toMatchObject({ code: "ERR_TRUNCATED_FRAME" });
  });
});
