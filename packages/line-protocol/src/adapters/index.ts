/** The decoders behind async iterators and Web Streams. */
export { ChunkQueue, type ChunkQueueOptions } from "./chunk-queue.js";
export {
  BytesLineSplitterStream,
  LineSplitterStream,
  type LineStreamOptions,
} from "./line-stream.js";
export { byteLines, type ChunkSource, lines } from "./lines.js";
