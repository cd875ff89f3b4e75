/**
 * Async iteration over lines of any async byte source (a Node `Readable`, a web `ReadableStream`,
 * a {@link ChunkQueue} fed by a protocol), on the same {@link LineDecoder}.
 */
import { Buffer } from "node:buffer";
import { toBytes } from "../bytes.js";
import { LineDecoder } from "../decoders/line-decoder.js";
import type { LineStreamOptions } from "./line-stream.js";

/** Anything `for await` can read chunks from. */
export type ChunkSource = AsyncIterable<Uint8Array | string>;

/**
 * Yields the lines of `source` as UTF-8 strings. A line over `maxLength` bytes makes the iteration
 * throw `LineTooLongError` (and stops reading the source), unless `onOverflow` is given. Breaking out of
 * the loop releases the source (a Node stream is destroyed by its own iterator's `return()`).
 *
 * @example
 * ```ts
 * for await (const line of lines(socket, { maxLength: 4096 })) console.log(line);
 * ```
 */
export async function* lines(
  source: ChunkSource,
  options: LineStreamOptions = {},
): AsyncGenerator<string, void> {
  const decoder = new LineDecoder(options);
  const batch: string[] = [];
  const collect = (line: string) => void batch.push(line);
  for await (const chunk of source) {
    try {
      decoder.decodeText(toBytes(chunk), collect);
    } catch (error) {
      // Lines before an over-long one are still delivered, then the error.
      for (let i = 0; i < batch.length; i++) yield batch[i] as string;
      throw error;
    }
    // Yield after the whole chunk is decoded: the decoder's callback cannot yield.
    for (let i = 0; i < batch.length; i++) yield batch[i] as string;
    batch.length = 0;
  }
  const rest = decoder.finish();
  if ((options.trailing ?? true) && rest !== null) yield Buffer.from(rest).toString("utf8");
}

/**
 * {@link lines} with lines as `Uint8Array`.
 *
 * @example
 * ```ts
 * for await (const line of byteLines(process.stdin)) handle(line);
 * ```
 */
export async function* byteLines(
  source: ChunkSource,
  options: LineStreamOptions = {},
): AsyncGenerator<Uint8Array, void> {
  const decoder = new LineDecoder(options);
  const batch: Uint8Array[] = [];
  const collect = (line: Uint8Array) => void batch.push(line);
  for await (const chunk of source) {
    try {
      decoder.decode(toBytes(chunk), collect);
    } catch (error) {
      // Lines before an over-long one are still delivered, then the error.
      for (let i = 0; i < batch.length; i++) yield batch[i] as Uint8Array;
      throw error;
    }
    for (let i = 0; i < batch.length; i++) yield batch[i] as Uint8Array;
    batch.length = 0;
  }
  const rest = decoder.finish();
  if ((options.trailing ?? true) && rest !== null) yield rest;
}
