/**
 * The one chunk-feeding driver of every decoder in this package (lines, netstrings, length prefixes).
 * It owns what is the same for all formats: the queue of input not parsed yet, FIFO order for a
 * call made from inside a callback, holding the rest of the input when a callback asks to stop,
 * keeping unconsumed input when a callback throws, cutting big chunks into scan windows, and handing
 * back the unconsumed rest of the chunk being parsed (for `takeBuffered()` from a callback).
 * A format implements only `scan`, its state machine over one window.
 */
import { concatBytes, copyBytes, EMPTY } from "../bytes.js";

/**
 * Receives one decoded item (a line or a frame's payload). Return `false` to stop decoding right
 * after it: the rest of the input is kept and decoded by the next `decode` call (an empty chunk
 * will do). Any other return value (including `undefined`) continues.
 */
export type FrameCallback<T> = (frame: T) => unknown;

/**
 * What the adapters and protocols need from a decoder: chunks in, items out through a callback.
 * {@link LineDecoder} (byte lines), {@link NetstringDecoder} and {@link LengthPrefixedDecoder}
 * implement it; `lines()` and `LineSplitterStream` use a string-lines view of a `LineDecoder`.
 *
 * @example
 * ```ts
 * const decoder: Decoder<Uint8Array> = new NetstringDecoder();
 * decoder.decode(chunk, (payload) => console.log(payload));
 * ```
 */
export interface Decoder<T> {
  /**
   * Decodes `chunk` after anything held, calling `onFrame` per item. Returns `true` when all input
   * was consumed, `false` if `onFrame` returned `false` (the rest is held).
   */
  decode(chunk: Uint8Array, onFrame: FrameCallback<T>): boolean;
  /**
   * Ends the input: returns the last, unterminated item if the format has one (an unterminated
   * line), or `null` when nothing is left; throws if the input ended inside a frame that cannot be
   * completed. Resets the decoder either way.
   */
  finish(): T | null;
}

/**
 * Base class of the decoders (not exported from the package): the shared driver described above.
 * Subclasses implement {@link ChunkDecoder.scan} and keep {@link ChunkDecoder.curPos} up to date
 * before each callback they make.
 */
export abstract class ChunkDecoder {
  /** Unscanned input, in order (left by a stop, an exception or a re-entrant call). */
  protected held: Uint8Array[] = [];
  /** `true` while a `feed` call is running (a nested call only queues its chunk). */
  protected busy = false;
  /** The window being scanned; `null` between calls or once its rest was taken. */
  protected cur: Uint8Array | null = null;
  /** Offset in `cur` of the first byte not consumed yet (the scanner updates it before callbacks). */
  protected curPos = 0;
  /** The rest of a big chunk after the current window; `null` once taken or dropped. */
  protected tail: Uint8Array | null = null;

  /**
   * Scans one window from its start, calling `onFrame` per item. Returns -1 when the window was
   * consumed, or the offset where `onFrame` returned `false`. `text` is the caller's flavour flag
   * (line decoders: strings rather than bytes; others ignore it).
   */
  protected abstract scan(
    window: Uint8Array,
    onFrame: FrameCallback<unknown>,
    text: boolean,
  ): number;

  /** Bytes of the partial item the format keeps between calls (for `bufferedLength`). */
  protected abstract get partialLength(): number;

  /** Largest window `chunk` should be scanned in (default: the whole chunk at once). */
  protected windowSize(_chunk: Uint8Array, _text: boolean): number {
    return Number.POSITIVE_INFINITY;
  }

  /** `true` once a fatal error was met: input is then ignored (frame decoders, until `reset()`). */
  protected isBroken(): boolean {
    return false;
  }

  /** Holds `chunk` (copied) without scanning it; the next decoding call scans it, after anything held. */
  append(chunk: Uint8Array): void {
    if (chunk.length !== 0) this.held.push(copyBytes(chunk));
  }

  /** `true` when input is held that has not been scanned yet (after a stop); decode an empty chunk to go on. */
  get hasBacklog(): boolean {
    return this.held.length !== 0;
  }

  /** Number of bytes held (the partial item plus any unscanned input). */
  get bufferedLength(): number {
    let n = this.partialLength;
    for (const c of this.held) n += c.length;
    return n;
  }

  /**
   * The driver: decodes `chunk` after anything held. Returns `true` when all input was consumed,
   * `false` if a callback asked to stop (or the call is nested inside a callback and only queued).
   */
  protected feed(chunk: Uint8Array, onFrame: FrameCallback<unknown>, text: boolean): boolean {
    if (this.isBroken()) return true;
    if (this.busy) {
      // Re-entrant call from a callback: keep FIFO order, the running call decodes it.
      if (chunk.length !== 0) this.held.push(copyBytes(chunk));
      return false;
    }
    this.busy = true;
    try {
      let c: Uint8Array | undefined = chunk;
      if (this.held.length !== 0) {
        if (chunk.length !== 0) this.held.push(copyBytes(chunk));
        c = this.held.shift();
      }
      while (c !== undefined && !this.isBroken()) {
        const stop = this.scanChunk(c, onFrame, text);
        if (stop >= 0) {
          if (stop < c.length)
            this.held.unshift(c === chunk ? copyBytes(c.subarray(stop)) : c.subarray(stop));
          return false;
        }
        c = this.held.shift();
      }
      return true;
    } finally {
      this.busy = false;
      // Don't pin the last chunk (the socket's read buffer) between reads: an idle connection
      // would keep it alive for as long as it stays open.
      this.cur = null;
      this.tail = null;
    }
  }

  /** Scans one chunk, window by window. Returns -1 when it was consumed, else where a callback stopped us. */
  private scanChunk(chunk: Uint8Array, onFrame: FrameCallback<unknown>, text: boolean): number {
    const end = chunk.length;
    const size = this.windowSize(chunk, text);
    if (end <= size) {
      this.tail = EMPTY;
      return this.scanWindow(chunk, onFrame, text);
    }
    for (let o = 0; o < end; o += size) {
      const next = Math.min(o + size, end);
      this.tail = chunk.subarray(next);
      const stop = this.scanWindow(chunk.subarray(o, next), onFrame, text);
      if (stop >= 0) return o + stop;
      if (this.tail === null) return -1; // taken (takeBuffered) or dropped (overflow, fatal error)
    }
    return -1;
  }

  private scanWindow(window: Uint8Array, onFrame: FrameCallback<unknown>, text: boolean): number {
    this.cur = window;
    this.curPos = 0;
    try {
      return this.scan(window, onFrame, text);
    } catch (error) {
      // Keep what was not consumed, so an exception thrown by a callback loses no input.
      if (this.cur === window) {
        const tail = this.tail ?? EMPTY;
        this.tail = null;
        if (this.curPos < window.length || tail.length !== 0)
          this.held.unshift(concatBytes([window.subarray(this.curPos), tail]));
      }
      throw error;
    }
  }

  /**
   * Called from a callback: returns the unconsumed rest of the chunk being decoded (the current
   * window from `curPos`, then the rest of the chunk) and detaches it, so the running scan stops
   * after the callback. Outside a callback: an empty list.
   */
  protected takeUnconsumed(): Uint8Array[] {
    const parts: Uint8Array[] = [];
    if (this.busy && this.cur !== null) {
      parts.push(this.cur.subarray(this.curPos));
      if (this.tail !== null) parts.push(this.tail);
    }
    this.cur = null;
    this.tail = null;
    return parts;
  }

  /** Forgets the held input and the chunk being decoded (subclasses forget their own state too). */
  reset(): void {
    this.held = [];
    this.cur = null;
    this.tail = null;
  }
}
