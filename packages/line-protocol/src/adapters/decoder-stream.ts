/**
 * Web Streams adapter for any {@link Decoder}: a `TransformStream` from byte chunks to its items.
 */
import { TransformStream } from "node:stream/web";
import { toBytes } from "../bytes.js";
import type { Decoder } from "../decoders/chunk-decoder.js";

/**
 * A `TransformStream` turning byte chunks (string chunks are taken as UTF-8) into the items of
 * `decoder`: lines, netstring payloads, length-prefixed frames. A decoding error errors the stream;
 * at the end, what `decoder.finish()` returns is emitted (a frame decoder errors the stream with
 * `TruncatedFrameError` if the input stopped inside a frame).
 *
 * @example
 * ```ts
 * readable.pipeThrough(new DecoderStream(new NetstringDecoder({ maxLength: 4096 })));
 * ```
 */
export class DecoderStream<T> extends TransformStream<Uint8Array | string, T> {
  constructor(decoder: Decoder<T>) {
    super({
      transform(chunk, controller) {
        decoder.decode(toBytes(chunk), (item) => void controller.enqueue(item));
      },
      flush(controller) {
        const rest = decoder.finish();
        if (rest !== null) controller.enqueue(rest);
      },
    });
  }
}
