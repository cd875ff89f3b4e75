/**
 * Async iteration over lines of any async byte source, on {@link frames} and {@link LineDecoder}.
 */
import { type ChunkSource, frames } from "./frames.js";
import { byteLineDecoder, type LineStreamOptions, textLineDecoder } from "./line-views.js";

/**
 * Yields the lines of `source` as UTF-8 strings. A line over `maxLength` bytes makes the iteration
 * throw `LineTooLongError` (and stops reading the source), unless `onOverflow` is given. Breaking out of
 * the loop releases the source (a Node stream is destroyed by its own iterator's `return()`).
 *
 * @example
 * ```ts
 * for await (const line of lines(socket, { maxLength: 4096 })) console.log(line);
 * ```
 */
export function lines(
  source: ChunkSource,
  options: LineStreamOptions = {},
): AsyncGenerator<string, void> {
  return frames(source, textLineDecoder(options));
}

/**
 * {@link lines} with lines as `Uint8Array`.
 *
 * @example
 * ```ts
 * for await (const line of byteLines(process.stdin)) handle(line);
 * ```
 */
export function byteLines(
  source: ChunkSource,
  options: LineStreamOptions = {},
): AsyncGenerator<Uint8Array, void> {
  return frames(source, byteLineDecoder(options));
}
