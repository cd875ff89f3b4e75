export { ChunkQueue, type ChunkQueueOptions } from "./chunk-queue.js";
export {
  FrameTooLongError,
  LineTooLongError,
  type NetstringErrorReason,
  NetstringParseError,
  StringTooLongError,
} from "./errors.js";
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
export { BytesLineOnlyReceiver, LineOnlyReceiver } from "./line-only-receiver.js";
export { BytesLineReceiver, LineReceiver } from "./line-receiver.js";
export {
  BytesLineSplitterStream,
  LineSplitterStream,
  type LineStreamOptions,
} from "./line-stream.js";
export { byteLines, type ChunkSource, lines } from "./lines.js";
export {
  DEFAULT_MAX_NETSTRING_LENGTH,
  encodeNetstring,
  NetstringDecoder,
  type NetstringDecoderOptions,
} from "./netstring.js";
export { type StatefulHandler, StatefulProtocol, type StatefulState } from "./stateful-protocol.js";
export {
  Int8StringReceiver,
  Int16StringReceiver,
  Int32StringReceiver,
  IntNStringReceiver,
  NetstringReceiver,
} from "./string-receivers.js";
