/**
 * Netstrings (`<decimal length>:<payload>,`, e.g. `5:hello,`): a sans-I/O decoder and the encoder.
 */
import { Buffer } from "node:buffer";
import { InvalidArgumentError } from "@lr/reactor";
import { toBytes } from "../bytes.js";
import { NetstringParseError } from "../errors.js";
import { BinaryFrameDecoder } from "./binary-frame-decoder.js";
import type { FrameCallback } from "./chunk-decoder.js";

/** The default longest payload, as Twisted's `NetstringReceiver.MAX_LENGTH`. */
export const DEFAULT_MAX_NETSTRING_LENGTH = 99999;

/** Options of {@link NetstringDecoder}. */
export interface NetstringDecoderOptions {
  /** Longest accepted payload in bytes (default 99999). */
  maxLength?: number;
  /**
   * Called with the parse error; without it the decoding call throws the {@link NetstringParseError}.
   * Either way the decoder is then broken: further input is ignored until {@link NetstringDecoder.reset}.
   */
  onError?: (error: NetstringParseError) => void;
}

const LENGTH = 0;
const PAYLOAD = 1;
const COMMA = 2;

/**
 * Incremental netstring parser: fed chunks of any size (down to one byte), it calls back with each
 * payload. Payloads are views into the chunk when a whole netstring is inside it, copies otherwise.
 * Errors (typed {@link NetstringParseError}, `reason` one of `bad-length`, `leading-zero`, `too-long`,
 * `missing-comma`) are detected as early as possible, e.g. a too-long length before its `:` arrives.
 *
 * @example
 * ```ts
 * const d = new NetstringDecoder();
 * d.push(encodeNetstring("hello")); // [Uint8Array "hello"]
 * ```
 */
export class NetstringDecoder extends BinaryFrameDecoder {
  /** Longest accepted payload in bytes. */
  maxLength: number;
  private readonly onError: ((error: NetstringParseError) => void) | undefined;
  private state = LENGTH;
  private digits = 0;
  private length = 0;
  private frame: Uint8Array | null = null; // payload waiting for its comma

  constructor(options: NetstringDecoderOptions = {}) {
    super();
    const max = options.maxLength ?? DEFAULT_MAX_NETSTRING_LENGTH;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new InvalidArgumentError(
        `maxLength must be a non-negative integer, got ${String(max)}`,
      );
    }
    this.maxLength = max;
    this.onError = options.onError;
  }

  protected get midFrame(): boolean {
    return this.state !== LENGTH || this.digits !== 0;
  }

  protected resetState(): void {
    this.state = LENGTH;
    this.digits = 0;
    this.length = 0;
    this.frame = null;
  }

  protected scan(chunk: Uint8Array, onString: FrameCallback<unknown>): number {
    const end = chunk.length;
    let i = 0;
    // Length digits already read are checked again against the current maxLength (it may have
    // been lowered since), as Twisted parses the pending length again on every read.
    if (this.state === LENGTH && this.length > this.maxLength)
      return this.fail("too-long", `length exceeds the maximum of ${this.maxLength} bytes`);
    while (i < end) {
      if (this.state === LENGTH) {
        const c = chunk[i++] as number;
        if (c >= 0x30 && c <= 0x39) {
          if (this.digits === 1 && this.length === 0)
            return this.fail("leading-zero", "length has a leading zero");
          this.length = this.length * 10 + (c - 0x30);
          this.digits++;
          if (this.length > this.maxLength) {
            return this.fail("too-long", `length exceeds the maximum of ${this.maxLength} bytes`);
          }
        } else if (c === 0x3a && this.digits !== 0) {
          this.state = PAYLOAD;
          this.acc.clear();
        } else {
          return this.fail("bad-length", `unexpected byte 0x${c.toString(16)} in the length`);
        }
      } else if (this.state === PAYLOAD) {
        const need = this.length - this.acc.length;
        if (this.acc.length === 0 && end - i > need) {
          // The whole payload and its comma are here: hand out a view, no copy.
          this.frame = chunk.subarray(i, i + need);
          i += need;
        } else {
          const take = Math.min(need, end - i);
          this.acc.append(chunk, i, i + take);
          i += take;
          if (this.acc.length < this.length) return -1;
          this.frame = this.acc.copy();
          this.acc.clear();
        }
        this.state = COMMA;
      } else {
        if (chunk[i++] !== 0x2c) return this.fail("missing-comma", "payload not followed by ','");
        const frame = this.frame as Uint8Array;
        this.frame = null;
        this.state = LENGTH;
        this.digits = 0;
        this.length = 0;
        this.curPos = i;
        if (onString(frame) === false) return this.cur === chunk ? i : -1;
        if (this.cur !== chunk) return -1; // the callback replaced the input
      }
    }
    return -1;
  }

  private fail(reason: NetstringParseError["reason"], message: string): number {
    this.breakDown();
    const error = new NetstringParseError(reason, `Malformed netstring: ${message}.`);
    if (this.onError === undefined) throw error;
    this.onError(error);
    return -1;
  }
}

/**
 * Frames `data` (a string is UTF-8 encoded) as a netstring.
 *
 * @example
 * ```ts
 * encodeNetstring("hello"); // bytes of "5:hello,"
 * ```
 */
export function encodeNetstring(data: string | Uint8Array): Uint8Array {
  const payload = toBytes(data);
  const header = Buffer.from(`${payload.length}:`, "latin1");
  const out = new Uint8Array(header.length + payload.length + 1);
  out.set(header);
  out.set(payload, header.length);
  out[out.length - 1] = 0x2c;
  return out;
}
