/**
 * What the binary frame decoders (netstrings, length prefixes) add to the shared driver: a fatal
 * `broken` state, the bytes of a frame spanning chunks, the `decode`/`push`/`finish` API.
 */
import { ByteAccumulator } from "../bytes.js";
import { TruncatedFrameError } from "../errors.js";
import { ChunkDecoder, type Decoder, type FrameCallback } from "./chunk-decoder.js";

/** Base of {@link NetstringDecoder} and {@link LengthPrefixedDecoder} (not exported from the package). */
export abstract class BinaryFrameDecoder extends ChunkDecoder implements Decoder<Uint8Array> {
  /** `true` after a fatal error (input is then ignored until `reset()`). */
  broken = false;
  /** Bytes of a frame spanning chunks. */
  protected readonly acc = new ByteAccumulator();

  /** Forgets the format's own parsing state (called by `reset()`). */
  protected abstract resetState(): void;

  /** Whether the format holds a partial frame besides `acc` (e.g. length digits already parsed). */
  protected abstract get midFrame(): boolean;

  protected override isBroken(): boolean {
    return this.broken;
  }

  protected get partialLength(): number {
    return this.acc.length;
  }

  /**
   * Decodes `chunk` (after anything held), calling `onFrame` with each payload; a `false` return
   * stops after it (the rest is held for the next call). Returns `true` when all input was consumed.
   * A call made from inside `onFrame` only queues its chunk.
   */
  decode(chunk: Uint8Array, onFrame: FrameCallback<Uint8Array>): boolean {
    return this.feed(chunk, onFrame as FrameCallback<unknown>, false);
  }

  /** Convenience: decodes `chunk` and returns its payloads. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.decode(chunk, (p) => void out.push(p));
    return out;
  }

  /**
   * Ends the input: returns `null` and resets when it ended on a frame boundary; throws
   * {@link TruncatedFrameError} (after resetting) when it ended inside a frame. A broken decoder
   * (fatal error already reported) just resets.
   */
  finish(): null {
    const held = this.broken ? 0 : this.bufferedLength;
    const partial = !this.broken && (held !== 0 || this.midFrame);
    this.reset();
    if (partial) throw new TruncatedFrameError(held);
    return null;
  }

  /** Forgets all state, including a fatal error. */
  override reset(): void {
    super.reset();
    this.acc.clear();
    this.broken = false;
    this.resetState();
  }

  /** Marks the decoder broken and drops the held input and the rest of the chunk (after a fatal error). */
  protected breakDown(): void {
    this.broken = true;
    this.held = [];
    this.cur = null;
    this.tail = null;
  }
}
