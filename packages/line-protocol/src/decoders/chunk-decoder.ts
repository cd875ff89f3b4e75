/**
 * The chunk-feeding driver shared by the binary frame decoders (netstrings, length prefixes): it
 * queues input that arrives while a frame callback is running or after a callback asked to stop, and
 * resumes in order. Subclasses only implement `scan`, the format's state machine.
 */
import { ByteAccumulator, copyBytes } from "../bytes.js";

/** Receives each decoded payload; returning `false` stops decoding after it (the rest is kept). */
export type FrameCallback = (payload: Uint8Array) => unknown;

/** Base of {@link NetstringDecoder} and {@link LengthPrefixedDecoder} (not exported from the package). */
export abstract class FrameDecoder {
  /** `true` after a fatal error (input is then ignored until `reset()`). */
  broken = false;
  /** Bytes of a frame spanning chunks. */
  protected readonly acc = new ByteAccumulator();
  /** Unparsed input, in order (left by a stop, or queued by a re-entrant call). */
  protected held: Uint8Array[] = [];
  private busy = false;

  /**
   * Parses `chunk` from its start, calling `onFrame` per payload. Returns -1 when the chunk was
   * consumed, or the offset after the payload whose callback returned `false`.
   */
  protected abstract scan(chunk: Uint8Array, onFrame: FrameCallback): number;

  /** Forgets the format's own parsing state (called by `reset()`). */
  protected abstract resetState(): void;

  /**
   * Decodes `chunk` (after anything held), calling `onFrame` with each payload; a `false` return
   * stops after it (the rest is held for the next call). Returns `true` when all input was consumed.
   * A call made from inside `onFrame` only queues its chunk.
   */
  decode(chunk: Uint8Array, onFrame: FrameCallback): boolean {
    if (this.broken) return true;
    if (this.busy) {
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
      while (c !== undefined && !this.broken) {
        const stop = this.scan(c, onFrame);
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
    }
  }

  /** Convenience: decodes `chunk` and returns its payloads. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.decode(chunk, (p) => void out.push(p));
    return out;
  }

  /** Holds `chunk` (copied) without parsing it; the next `decode` call parses it. */
  append(chunk: Uint8Array): void {
    if (chunk.length !== 0) this.held.push(copyBytes(chunk));
  }

  /** `true` when unparsed input is held (after a stop). */
  get hasBacklog(): boolean {
    return this.held.length !== 0;
  }

  /** Forgets all state, including a fatal error. */
  reset(): void {
    this.acc.clear();
    this.held = [];
    this.broken = false;
    this.resetState();
  }

  /** Marks the decoder broken and drops the held input (after a fatal error). */
  protected breakDown(): void {
    this.broken = true;
    this.held = [];
  }
}
