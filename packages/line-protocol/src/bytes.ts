/** Small byte helpers shared by the decoders and protocols (internal). */
import { Buffer } from "node:buffer";

/** An empty chunk, used to drain a decoder's backlog. */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** A `Buffer` view of {@link EMPTY}, shared by every empty accumulator (one less object per connection). */
const EMPTY_BUFFER: Buffer = Buffer.from(EMPTY.buffer, 0, 0);

/** A `Buffer` over the same memory (no copy), for the native `toString` fast paths. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** UTF-8 bytes of a string; a `Uint8Array` is returned as is. */
export function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}

/** A fresh copy of `bytes` as a plain `Uint8Array` (so later changes to the source don't show). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Concatenates chunks into one fresh `Uint8Array`. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** A growable byte buffer that only ever copies the bytes appended to it (amortised O(1) per byte). */
export class ByteAccumulator {
  /** Backing storage; only `[0, length)` is meaningful. */
  bytes: Uint8Array;
  /** A Buffer view of `bytes`, kept in sync, for `toString`. */
  buffer: Buffer;
  /** Number of bytes held. */
  length = 0;

  constructor(capacity = 0) {
    // No storage until something must be held: an idle connection whose lines all ended inside
    // one read then costs no ArrayBuffer (measured: ~2 KiB of RSS per idle connection in lr-server).
    this.bytes = capacity === 0 ? EMPTY : new Uint8Array(capacity);
    this.buffer = capacity === 0 ? EMPTY_BUFFER : asBuffer(this.bytes);
  }

  /** Appends `src[start, end)`. */
  append(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    if (n <= 0) return;
    this.reserve(this.length + n);
    this.bytes.set(start === 0 && end === src.length ? src : src.subarray(start, end), this.length);
    this.length += n;
  }

  /** Makes room for `size` bytes in total. */
  reserve(size: number): void {
    if (size <= this.bytes.length) return;
    let cap = Math.max(256, this.bytes.length * 2);
    while (cap < size) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.buffer = asBuffer(next);
  }

  /** A fresh copy of `[start, end)`. */
  copy(start = 0, end = this.length): Uint8Array {
    return this.bytes.slice(start, end);
  }

  /** Forgets the content; shrinks storage that grew large so one huge line doesn't pin memory. */
  clear(): void {
    this.length = 0;
    if (this.bytes.length > 65536) {
      this.bytes = new Uint8Array(256);
      this.buffer = asBuffer(this.bytes);
    }
  }
}
