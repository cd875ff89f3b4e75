export { BytesLineOnlyReceiver, LineOnlyReceiver } from "./line-only-receiver.js";
export { BytesLineReceiver, LineReceiver } from "./line-receiver.js";
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
  FrameTooLongError,
  LineTooLongError,
  type NetstringErrorReason,
  NetstringParseError,
  StringTooLongError,
} from "./errors.js";
