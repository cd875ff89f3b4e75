/** The decoders behind async iterators and Web Streams (any decoder: lines, netstrings, length prefixes). */
export { ChunkQueue, type ChunkQueueOptions } from "./chunk-queue.js";
export { DecoderStream } from "./decoder-stream.js";
export { type ChunkSource, frames } from "./frames.js";
export {
  BytesLineSplitterStream,
  LineSplitterStream,
  type LineStreamOptions,
} from "./line-stream.js";
export { byteLines, lines } from "./lines.js";
