/**
 * Web Streams adapters for lines: {@link DecoderStream} over a {@link LineDecoder}.
 */
import { DecoderStream } from "./decoder-stream.js";
import { byteLineDecoder, type LineStreamOptions, textLineDecoder } from "./line-views.js";

export type { LineStreamOptions } from "./line-views.js";

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
export class LineSplitterStream extends DecoderStream<string> {
  constructor(options: LineStreamOptions = {}) {
    super(textLineDecoder(options));
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
export class BytesLineSplitterStream extends DecoderStream<Uint8Array> {
  constructor(options: LineStreamOptions = {}) {
    super(byteLineDecoder(options));
  }
}
