import { StringTransport } from "@lr/testing";
import { describe, expect, it } from "vitest";
import { bytesOf } from "../../test/helpers.js";
import { ChunkQueue, lines } from "../index.js";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("ChunkQueue", () => {
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
