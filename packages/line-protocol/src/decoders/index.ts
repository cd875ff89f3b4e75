/** The sans-I/O decoders: fed byte chunks, they call back with lines or frames (no I/O inside). */
export type { Decoder, FrameCallback } from "./chunk-decoder.js";
export {
  DEFAULT_MAX_FRAME_LENGTH,
  encodeLengthPrefixed,
  LengthPrefixedDecoder,
  type LengthPrefixedDecoderOptions,
  type PrefixLength,
} from "./length-prefixed.js";
export {
  CRLF,
  DEFAULT_MAX_LINE_LENGTH,
  type LineCallback,
  LineDecoder,
  type LineDecoderOptions,
  type LineOverflow,
  type LineOverflowPolicy,
} from "./line-decoder.js";
export {
  DEFAULT_MAX_NETSTRING_LENGTH,
  encodeNetstring,
  NetstringDecoder,
  type NetstringDecoderOptions,
} from "./netstring.js";
