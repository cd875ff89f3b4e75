/**
 * `@lr/line-protocol`: Twisted's basic protocols on sans-I/O decoders. Layers: `decoders/` (bytes in,
 * lines or frames out) <- `receivers/` (the protocols) and `adapters/` (iterators, Web Streams).
 */
export * from "./adapters/index.js";
export * from "./decoders/index.js";
export {
  FrameTooLongError,
  LineTooLongError,
  type NetstringErrorReason,
  NetstringParseError,
  NotImplementedError,
  StringTooLongError,
  TruncatedFrameError,
} from "./errors.js";
export * from "./receivers/index.js";
