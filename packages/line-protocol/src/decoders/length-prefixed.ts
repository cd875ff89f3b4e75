/**
 * Length-prefixed frames (1, 2 or 4-byte big-endian unsigned length, then the payload): a sans-I/O
 * decoder and the encoder. Twisted's `Int8/Int16/Int32StringReceiver` wire format.
 */
import { InvalidArgumentError } from "@lr/reactor";
import { concatBytes, toBytes } from "../bytes.js";
import { FrameTooLongError, StringTooLongError } from "../errors.js";
import { BinaryFrameDecoder } from "./binary-frame-decoder.js";
import type { FrameCallback } from "./chunk-decoder.js";

/** Size of the length prefix in bytes. */
export type PrefixLength = 1 | 2 | 4;

/** The default longest payload, as Twisted's `IntNStringReceiver.MAX_LENGTH`. */
export const DEFAULT_MAX_FRAME_LENGTH = 99999;

/** Options of {@link LengthPrefixedDecoder}. */
export interface LengthPrefixedDecoderOptions {
  /** Prefix size: 1, 2 or 4 bytes (default 4). */
  prefixLength?: PrefixLength;
  /** Longest accepted payload in bytes (default 99999). */
  maxLength?: number;
  /**
   * After a too-long prefix: `"drop"` (default) ignores all further input until `reset()` (close
   * the connection); `"discard"` skips that frame's payload and goes on.
   */
  overflow?: "drop" | "discard";
  /** Called with the announced length when it exceeds `maxLength`; without it the call throws {@link FrameTooLongError}. */
  onOverflow?: (length: number) => void;
}

/**
 * Incremental decoder of length-prefixed frames. Payloads are views into the chunk when a frame is
 * inside one chunk, copies otherwise. Zero-length frames are delivered.
 *
 * @example
 * ```ts
 * const d = new LengthPrefixedDecoder({ prefixLength: 2 });
 * d.push(encodeLengthPrefixed("hi", 2)); // [Uint8Array "hi"]
 * ```
 */
export class LengthPrefixedDecoder extends BinaryFrameDecoder {
  /** Prefix size in bytes. */
  readonly prefixLength: PrefixLength;
  /** Longest accepted payload in bytes. */
  maxLength: number;
  /** The overflow policy (`broken` is set after a too-long prefix under `"drop"`). */
  readonly overflow: "drop" | "discard";
  private readonly onOverflow: ((length: number) => void) | undefined;
  private length = -1; // payload length once the prefix is read
  private skip = 0; // payload bytes still to discard

  constructor(options: LengthPrefixedDecoderOptions = {}) {
    super();
    const prefix = options.prefixLength ?? 4;
    if (prefix !== 1 && prefix !== 2 && prefix !== 4) {
      throw new InvalidArgumentError(`prefixLength must be 1, 2 or 4, got ${String(prefix)}`);
    }
    const max = options.maxLength ?? DEFAULT_MAX_FRAME_LENGTH;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new InvalidArgumentError(
        `maxLength must be a non-negative integer, got ${String(max)}`,
      );
    }
    this.prefixLength = prefix;
    this.maxLength = max;
    this.overflow = options.overflow ?? "drop";
    this.onOverflow = options.onOverflow;
  }

  /** The announced length being reported to `onOverflow`, or -1. */
  private reporting = -1;

  protected get midFrame(): boolean {
    return this.length >= 0 || this.skip > 0;
  }

  protected resetState(): void {
    this.length = -1;
    this.skip = 0;
  }

  /**
   * A copy of the input not parsed into frames yet, as it came on the wire: the prefix of a frame
   * being read (also while its too-long length is being reported), its partial payload, the rest of
   * the chunk being decoded (from a callback) and held input. Twisted's `IntNStringReceiver.recvd`.
   */
  unparsed(): Uint8Array {
    const parts: Uint8Array[] = [];
    const pending = this.reporting >= 0 ? this.reporting : this.length;
    if (pending >= 0) parts.push(prefixBytes(pending, this.prefixLength));
    if (!this.broken || this.reporting >= 0) {
      parts.push(this.acc.bytes.subarray(0, this.acc.length));
      if (this.busy && this.cur !== null) {
        parts.push(this.cur.subarray(this.curPos));
        if (this.tail !== null) parts.push(this.tail);
      }
      parts.push(...this.held);
    }
    return concatBytes(parts);
  }

  /**
   * Replaces the input not parsed yet with `bytes` (copied), parsed from a frame boundary: from a
   * callback, the rest of the current chunk is dropped and decoding goes on with `bytes`.
   * Twisted's assignment to `IntNStringReceiver.recvd`.
   */
  replaceUnparsed(bytes: Uint8Array): void {
    this.takeUnconsumed();
    this.reset();
    this.append(bytes);
  }

  protected scan(chunk: Uint8Array, onFrame: FrameCallback<unknown>): number {
    const end = chunk.length;
    const n = this.prefixLength;
    const acc = this.acc;
    let i = 0;
    // A length already read is checked again against the current maxLength (it may have been
    // lowered since), as Twisted parses the pending prefix again on every read.
    if (this.length > this.maxLength) {
      const length = this.length;
      const got = acc.length;
      let replaced = false;
      try {
        this.overflowed(length); // reports with the prefix and partial payload still held
      } finally {
        replaced = this.cur !== chunk; // dropped ("drop"), or replaced from the callback (recvd)
        if (!replaced) {
          this.length = -1;
          acc.clear();
          if (this.overflow === "discard") this.skip = length - got; // the payload bytes still to come
        }
      }
      if (this.broken || replaced) return -1;
    }
    while (i < end) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, end - i);
        this.skip -= take;
        i += take;
        continue;
      }
      if (this.length < 0) {
        let length: number;
        if (acc.length === 0 && end - i >= n) {
          length = readPrefix(chunk, i, n);
          i += n;
        } else {
          const take = Math.min(n - acc.length, end - i);
          acc.append(chunk, i, i + take);
          i += take;
          if (acc.length < n) return -1;
          length = readPrefix(acc.bytes, 0, n);
          acc.length = 0;
        }
        if (length > this.maxLength) {
          this.curPos = i;
          this.overflowed(length);
          if (this.broken || this.cur !== chunk) return -1;
          continue;
        }
        this.length = length;
      }
      const need = this.length - acc.length;
      let frame: Uint8Array;
      if (acc.length === 0 && end - i >= need) {
        frame = chunk.subarray(i, i + need);
        i += need;
      } else {
        const take = Math.min(need, end - i);
        acc.append(chunk, i, i + take);
        i += take;
        if (acc.length < this.length) return -1;
        frame = acc.copy();
        acc.clear();
      }
      this.length = -1;
      this.curPos = i;
      if (onFrame(frame) === false) return this.cur === chunk ? i : -1;
      if (this.cur !== chunk) return -1; // the callback replaced the input
    }
    return -1;
  }

  /** Reports a too-long `length` (its prefix consumed), then drops everything or skips its payload. */
  private overflowed(length: number): void {
    if (this.overflow === "discard") this.skip = length;
    this.reporting = length;
    try {
      if (this.onOverflow === undefined) throw new FrameTooLongError(length, this.maxLength);
      this.onOverflow(length);
    } finally {
      this.reporting = -1;
      if (this.overflow === "drop") this.breakDown();
    }
  }
}

function prefixBytes(length: number, n: PrefixLength): Uint8Array {
  const out = new Uint8Array(n);
  let len = length;
  for (let k = n - 1; k >= 0; k--) {
    out[k] = len & 0xff;
    len = Math.floor(len / 256);
  }
  return out;
}

function readPrefix(bytes: Uint8Array, at: number, n: PrefixLength): number {
  if (n === 1) return bytes[at] as number;
  if (n === 2) return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
  return (
    (bytes[at] as number) * 0x1000000 +
    (((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number))
  );
}

/**
 * Frames `data` (a string is UTF-8 encoded) with a big-endian length prefix of `prefixLength` bytes.
 * Throws {@link StringTooLongError} (`ERR_STRING_TOO_LONG`) if the length does not fit the prefix
 * (≥ 2^(8·prefixLength)).
 *
 * @example
 * ```ts
 * encodeLengthPrefixed("hi", 2); // bytes 00 02 68 69
 * ```
 */
export function encodeLengthPrefixed(
  data: string | Uint8Array,
  prefixLength: PrefixLength = 4,
): Uint8Array {
  const payload = toBytes(data);
  const limit = 2 ** (8 * prefixLength);
  if (payload.length >= limit) throw new StringTooLongError(payload.length, limit);
  const out = new Uint8Array(prefixLength + payload.length);
  out.set(prefixBytes(payload.length, prefixLength));
  out.set(payload, prefixLength);
  return out;
}
