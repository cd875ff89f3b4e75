/**
 * Helpers for this package's tests (not exported from the package): chunking, a naive reference
 * line splitter to compare the decoder with, connecting a protocol to a `StringTransport`.
 */
import { Buffer } from "node:buffer";
import type { Protocol } from "@lr/reactor";
import { StringTransport } from "@lr/testing";
import fc from "fast-check";

/** UTF-8 bytes of a string. */
export function bytesOf(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "utf8"));
}

/** Cut points in [0, 1): the input is split at these fractions of its length. */
export const chunkingArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), {
  maxLength: 12,
});

/** Splits `bytes` at the given fractions of its length (duplicates give empty chunks). */
export function chunked(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = cuts.map((c) => Math.floor(c * bytes.length)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  out.push(bytes.slice(prev));
  return out;
}

/** A decoded line, or an overflow report. */
export type Frame = { line: string } | { overflow: true };

/**
 * The frames a "discard"-policy decoder must produce for the whole input, computed the naive way:
 * split on the delimiter; each complete piece is a line or (too long) an overflow; the unterminated
 * tail is an overflow if, ignoring a trailing piece of the delimiter, it is already too long.
 */
export function referenceFrames(
  bytes: Uint8Array,
  delimiter: Uint8Array,
  maxLength: number,
): Frame[] {
  const buf = Buffer.from(bytes);
  const frames: Frame[] = [];
  let start = 0;
  for (;;) {
    const i = buf.indexOf(delimiter, start);
    if (i === -1) break;
    frames.push(
      i - start > maxLength ? { overflow: true } : { line: buf.toString("utf8", start, i) },
    );
    start = i + delimiter.length;
  }
  const tail = buf.subarray(start);
  let suffix = 0;
  for (let k = Math.min(delimiter.length - 1, tail.length); k >= 1; k--) {
    if (Buffer.compare(tail.subarray(tail.length - k), delimiter.subarray(0, k)) === 0) {
      suffix = k;
      break;
    }
  }
  if (tail.length - suffix > maxLength) frames.push({ overflow: true });
  return frames;
}

/** Connects `proto` to a fresh `StringTransport` and returns both. */
export function connect<P extends Protocol>(proto: P): [P, StringTransport] {
  const transport = new StringTransport();
  proto.makeConnection(transport);
  return [proto, transport];
}

/** Feeds each string (as UTF-8) to `proto.dataReceived`, one call per string. */
export function feed(proto: { dataReceived(d: Uint8Array): unknown }, ...chunks: string[]): void {
  for (const c of chunks) proto.dataReceived(bytesOf(c));
}

/** Returns what `fn` throws (or `undefined`). */
export function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
