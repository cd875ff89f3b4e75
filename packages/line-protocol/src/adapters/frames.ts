/**
 * Async iteration over the items of any {@link Decoder} (lines, netstrings, length-prefixed
 * frames) read from any async byte source: a Node `Readable`, a web `ReadableStream`, a
 * {@link ChunkQueue} fed by a protocol.
 */
import { toBytes } from "../bytes.js";
import type { Decoder } from "../decoders/chunk-decoder.js";

/** Anything `for await` can read chunks from (string chunks are taken as UTF-8). */
export type ChunkSource = AsyncIterable<Uint8Array | string>;

/**
 * Yields what `decoder` decodes from `source`, then what its `finish()` returns at the end (an
 * unterminated last line; a frame decoder throws `TruncatedFrameError` if the input stopped inside a
 * frame). A decoding error (e.g. `NetstringParseError`, `FrameTooLongError`) is thrown after the items
 * before it. Breaking out of the loop releases the source.
 *
 * @example
 * ```ts
 * for await (const payload of frames(socket, new NetstringDecoder())) handle(payload);
 * for await (const frame of frames(stream, new LengthPrefixedDecoder({ prefixLength: 2 }))) {}
 * ```
 */
export async function* frames<T>(
  source: ChunkSource,
  decoder: Decoder<T>,
): AsyncGenerator<T, void> {
  const batch: T[] = [];
  const collect = (item: T) => void batch.push(item);
  for await (const chunk of source) {
    try {
      decoder.decode(toBytes(chunk), collect);
    } catch (error) {
      // Items before the bad input are still delivered, then the error.
      for (let i = 0; i < batch.length; i++) yield batch[i] as T;
      throw error;
    }
    // Yield after the whole chunk is decoded: the decoder's callback cannot yield.
    for (let i = 0; i < batch.length; i++) yield batch[i] as T;
    batch.length = 0;
  }
  const rest = decoder.finish();
  if (rest !== null) yield rest;
}
