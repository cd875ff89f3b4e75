/** A {@link LineDecoder} seen as a {@link Decoder} of string or byte lines (internal to the adapters). */
import { Buffer } from "node:buffer";
import type { Decoder, FrameCallback } from "../decoders/chunk-decoder.js";
import { LineDecoder, type LineDecoderOptions } from "../decoders/line-decoder.js";

/** Options of the line streams and iterators. */
export interface LineStreamOptions extends LineDecoderOptions {
  /** Emit an unterminated last line at the end of the input (default `true`, like readline). */
  trailing?: boolean;
}

/** A decoder of UTF-8 string lines; `finish()` gives the unterminated last line unless `trailing: false`. */
export function textLineDecoder(options: LineStreamOptions = {}): Decoder<string> {
  const decoder = new LineDecoder(options);
  const trailing = options.trailing ?? true;
  return {
    decode: (chunk: Uint8Array, onLine: FrameCallback<string>) => decoder.decodeText(chunk, onLine),
    finish: () => {
      const rest = decoder.finish();
      if (!trailing || rest === null) return null;
      return Buffer.from(rest.buffer, rest.byteOffset, rest.length).toString("utf8");
    },
  };
}

/** A decoder of byte lines; `finish()` gives the unterminated last line unless `trailing: false`. */
export function byteLineDecoder(options: LineStreamOptions = {}): Decoder<Uint8Array> {
  const decoder = new LineDecoder(options);
  const trailing = options.trailing ?? true;
  return {
    decode: (chunk: Uint8Array, onLine: FrameCallback<Uint8Array>) => decoder.decode(chunk, onLine),
    finish: () => {
      const rest = decoder.finish();
      return trailing ? rest : null;
    },
  };
}
