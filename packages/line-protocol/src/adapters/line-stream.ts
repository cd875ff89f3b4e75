/**
 * Web Streams adapters: a `TransformStream` from bytes to lines, on the same {@link LineDecoder}.
 */
import { Buffer } from "node:buffer";
import { TransformStream } from "node:stream/web";
import { toBytes } from "../bytes.js";
import { LineDecoder, type LineDecoderOptions } from "../decoders/line-decoder.js";

/** Options of the line streams and iterators. */
export interface LineStreamOptions extends LineDecoderOptions {
  /** Emit an unterminated last line at the end of the input (default `true`, like readline). */
  trailing?: boolean;
}

/**
 * A `TransformStream` turning byte chunks into lines (UTF-8 strings, delimiter removed). A line longer
 * than `maxLength` bytes errors the stream with `LineTooLongError`, unless you pass `onOverflow`
 * (then, with `overflow: "discard"`, it skips that line and goes on). String chunks are accepted
 * and encoded as UTF-8.
 *
 * @example
 * ```ts
 * const res = await fetch(url);
 * for await (const line of res.body!.pipeThrough(new LineSplitterStream())) console.log(line);
 * ```
 */
export class LineSplitterStream extends TransformStream<Uint8Array | string, string> {
  constructor(options: LineStreamOptions = {}) {
    const decoder = new LineDecoder(options);
    const trailing = options.trailing ?? true;
    super({
      transform(chunk, controller) {
        decoder.decodeText(toBytes(chunk), (line) => void controller.enqueue(line));
      },
      flush(controller) {
        const rest = decoder.finish();
        if (trailing && rest !== null)
          controller.enqueue(
            Buffer.from(rest.buffer, rest.byteOffset, rest.length).toString("utf8"),
          );
      },
    });
  }
}

/**
 * {@link LineSplitterStream} with lines as `Uint8Array` (views into the input chunks, or copies).
 *
 * @example
 * ```ts
 * readable.pipeThrough(new BytesLineSplitterStream({ delimiter: "\n" }));
 * ```
 */
export class BytesLineSplitterStream extends TransformStream<Uint8Array | string, Uint8Array> {
  constructor(options: LineStreamOptions = {}) {
    const decoder = new LineDecoder(options);
    const trailing = options.trailing ?? true;
    super({
      transform(chunk, controller) {
        decoder.decode(toBytes(chunk), (line) => void controller.enqueue(line));
      },
      flush(controller) {
        const rest = decoder.finish();
        if (trailing && rest !== null) controller.enqueue(rest);
      },
    });
  }
}
