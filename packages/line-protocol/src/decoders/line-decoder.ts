/**
 * The sans-I/O line framer every other piece of this package is built on: fed byte chunks, it calls
 * back with complete lines. No sockets, streams or reactor inside.
 */
import { Buffer, isAscii } from "node:buffer";
import { InvalidArgumentError } from "@lr/reactor";
import { asBuffer, ByteAccumulator, concatBytes, copyBytes, EMPTY } from "../bytes.js";
import { LineTooLongError } from "../errors.js";
import { ChunkDecoder, type Decoder } from "./chunk-decoder.js";

/**
 * What a {@link LineDecoder} does after reporting an over-long line:
 * - `"drop"` (Twisted's `LineReceiver`): forget everything buffered **and the rest of the current chunk**;
 *   decoding restarts fresh with the next chunk. Pick this when you are going to close the connection.
 * - `"discard"` (tokio's `LinesCodec`, Netty's `LineBasedFrameDecoder`): skip bytes up to and including
 *   the next delimiter, then go on with the following lines. The overflow is reported once per line.
 */
export type LineOverflowPolicy = "drop" | "discard";

/** Passed to {@link LineDecoderOptions.onOverflow}. */
export interface LineOverflow {
  /** Bytes of the over-long line seen when the overflow was detected (always more than `maxLength`). */
  readonly length: number;
  /** The limit in force. */
  readonly maxLength: number;
  /**
   * The bytes thrown away at this point (a copy): under `"drop"` everything the decoder held plus the
   * rest of the chunk (Twisted's `line + delimiter + rest`); under `"discard"` the start of the line.
   */
  readonly data: Uint8Array;
}

/** Options of {@link LineDecoder}. */
export interface LineDecoderOptions {
  /** Line delimiter: a string (UTF-8 encoded) or bytes, at least one byte. Default `"\r\n"`. */
  delimiter?: string | Uint8Array;
  /** Longest accepted line in bytes, delimiter excluded. Default 16384. */
  maxLength?: number;
  /** What to do after an over-long line was reported. Default `"drop"`. */
  overflow?: LineOverflowPolicy;
  /**
   * Called when a line is longer than `maxLength`. Without it the decoding call throws
   * {@link LineTooLongError} instead (lines before it in the chunk have already been delivered;
   * under `"discard"` the decoder keeps the rest of the chunk and goes on at the next call).
   */
  onOverflow?: (overflow: LineOverflow) => void;
}

/**
 * Receives one line. Return `false` to stop decoding right after this line: the rest of the input is
 * kept (see {@link LineDecoder.takeBuffered}) and decoded by the next `decode*` call (an empty chunk
 * will do). Any other return value (including `undefined`) continues.
 */
export type LineCallback<T> = (line: T) => unknown;

/** The default line delimiter, CRLF. */
export const CRLF = "\r\n";
const CRLF_BYTES = new Uint8Array([13, 10]);
const isCrlf = (d: string | Uint8Array): boolean =>
  typeof d === "string" ? d === CRLF : d.length === 2 && d[0] === 13 && d[1] === 10;
/** The default `maxLength`, as Twisted's `LineReceiver.MAX_LENGTH`. */
export const DEFAULT_MAX_LINE_LENGTH = 16384;

// How a chunk's lines are materialised (chosen once per chunk, see scan()).
const BYTES = 0;
const ASCII_TEXT = 1; // slices of the chunk's latin1 string (byte-exact because the chunk is ASCII)
const UTF8_TEXT = 2; // one UTF-8 decode of the chunk's complete lines, split on the (ASCII) delimiter
const UTF8_PER_LINE = 3; // a UTF-8 decode per line (non-ASCII delimiter)

// Bigger chunks are scanned in windows of this size: a per-window string stays in V8's young
// generation, while one string per 256 KiB read would be a large object (slower to allocate and
// collect), making the per-line cost grow with the read size.
let WINDOW = 32 * 1024;

/** Test hook (not exported by the package): sets the scan window, so small inputs exercise it. */
export function setScanWindowForTesting(bytes: number): void {
  WINDOW = bytes;
}

/** Byte lines longer than this are searched with Buffer.indexOf per line (see `scan`). */
const LONG_BYTE_LINE = 256;

/**
 * Incremental, byte-exact line splitter with a byte limit.
 *
 * Each byte is scanned once: a partial line is remembered, and only new bytes are searched (a delimiter
 * split across chunks is found at the boundary). Lines never include the delimiter. Bytes in between
 * are passed through untouched: with the default CRLF delimiter, a lone `\n` or `\r` is part of the line.
 *
 * Lines as bytes ({@link LineDecoder.decode}, {@link LineDecoder.push}) are `Uint8Array` views into the
 * chunk you passed (no copy), or fresh copies when a line spans chunks: they stay valid as long as you
 * don't modify that chunk. Lines as strings ({@link LineDecoder.decodeText}) are decoded as UTF-8 from
 * the line's complete bytes, so a character split across chunks decodes correctly; invalid sequences
 * become U+FFFD, exactly as `Buffer#toString("utf8")` does on the line's bytes.
 *
 * Throws `InvalidArgumentError` (`ERR_INVALID_ARG`) for an empty delimiter or a bad `maxLength`.
 *
 * @example
 * ```ts
 * const decoder = new LineDecoder({ maxLength: 1024 });
 * decoder.decodeText(chunk, (line) => console.log(line)); // fast path, no array
 * const lines = decoder.push(new TextEncoder().encode("a\r\nb\r\n")); // [Uint8Array "a", Uint8Array "b"]
 * ```
 */
export class LineDecoder extends ChunkDecoder implements Decoder<Uint8Array> {
  /** Longest accepted line in bytes (delimiter excluded). May be changed at any time. */
  maxLength: number;
  /** The overflow policy. */
  readonly overflow: LineOverflowPolicy;
  private readonly onOverflow: ((overflow: LineOverflow) => void) | undefined;
  private delim: Uint8Array = EMPTY;
  private delimStr = ""; // the delimiter as a latin1 string: one char per byte
  private delimAscii = true;
  private readonly acc = new ByteAccumulator();
  private discarding = false;
  /** Set by windowSize() when it found the chunk's byte lines long (scan then needn't judge again). */
  private longLinesKnown = false;

  constructor(options: LineDecoderOptions = {}) {
    super();
    this.maxLength = checkMaxLength(options.maxLength ?? DEFAULT_MAX_LINE_LENGTH);
    const overflow = options.overflow ?? "drop";
    if (overflow !== "drop" && overflow !== "discard") {
      throw new InvalidArgumentError(
        `overflow must be "drop" or "discard", got ${JSON.stringify(overflow)}`,
      );
    }
    this.overflow = overflow;
    this.onOverflow = options.onOverflow;
    this.setDelimiter(options.delimiter ?? CRLF);
  }

  /** The delimiter as bytes (do not modify). */
  get delimiter(): Uint8Array {
    return this.delim;
  }

  /**
   * Changes the delimiter. Bytes already held are searched again with the new one at the next call.
   * Throws `InvalidArgumentError` for an empty delimiter.
   */
  setDelimiter(delimiter: string | Uint8Array): void {
    // The default CRLF is shared by every decoder (never modified): one ArrayBuffer fewer per connection.
    const bytes = isCrlf(delimiter)
      ? CRLF_BYTES
      : typeof delimiter === "string"
        ? new Uint8Array(Buffer.from(delimiter, "utf8"))
        : copyBytes(delimiter);
    if (bytes.length === 0) throw new InvalidArgumentError("the line delimiter must not be empty");
    if (this.delim.length !== 0 && this.acc.length !== 0) {
      // The partial line was scanned for the old delimiter only: hand it back as unscanned input.
      this.held.unshift(this.acc.copy());
      this.acc.clear();
    }
    this.delim = bytes;
    this.delimStr = asBuffer(bytes).toString("latin1");
    this.delimAscii = isAscii(bytes);
  }

  /**
   * Decodes `chunk` (after anything held), calling `onLine` with each complete line as bytes.
   * Returns `true` when all input was consumed (at most a partial line is left), `false` if `onLine`
   * returned `false` (the rest is held; call again, e.g. with an empty chunk, to continue).
   * A call made from inside `onLine` only queues its chunk (decoded after the current one, in order).
   * Throws {@link LineTooLongError} on an over-long line when no `onOverflow` was given.
   */
  decode(chunk: Uint8Array, onLine: LineCallback<Uint8Array>): boolean {
    return this.feed(chunk, onLine as LineCallback<unknown>, false);
  }

  /** Like {@link LineDecoder.decode}, with each line decoded as a UTF-8 string. */
  decodeText(chunk: Uint8Array, onLine: LineCallback<string>): boolean {
    return this.feed(chunk, onLine as LineCallback<unknown>, true);
  }

  /** Convenience: decodes `chunk` and returns its complete lines as bytes (see the class notes on views). */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.feed(chunk, (line) => void out.push(line as Uint8Array), false);
    return out;
  }

  /** Convenience: decodes `chunk` and returns its complete lines as UTF-8 strings. */
  pushText(chunk: Uint8Array): string[] {
    const out: string[] = [];
    this.feed(chunk, (line) => void out.push(line as string), true);
    return out;
  }

  protected get partialLength(): number {
    return this.acc.length;
  }

  /**
   * `true` when the decoder holds no state at all (no partial line, no backlog, not discarding, not
   * inside a call): replacing it with a fresh decoder of the same options changes nothing. Protocols
   * use it to release their decoder between reads, so an idle connection keeps no framing state.
   */
  get idle(): boolean {
    return (
      this.acc.length === 0 &&
      this.held.length === 0 &&
      !this.discarding &&
      !this.busy &&
      this.cur === null &&
      this.tail === null
    );
  }

  /** A copy of every byte held, in order (the partial line, then unscanned input). */
  buffered(): Uint8Array {
    if (this.held.length === 0) return this.acc.copy();
    return concatBytes([this.acc.bytes.subarray(0, this.acc.length), ...this.held]);
  }

  /**
   * Returns every byte held and empties the decoder, e.g. to switch a protocol to raw mode and hand
   * the rest of the data over. An over-long line being discarded is forgotten as well. Called from a
   * line callback, it also takes the rest of the chunk being decoded (decoding then stops).
   */
  takeBuffered(): Uint8Array {
    const parts = this.discarding ? [] : [this.acc.bytes.subarray(0, this.acc.length)];
    // Called from a line callback: the rest of the chunk being decoded is held too.
    parts.push(...this.takeUnconsumed());
    const out = concatBytes([...parts, ...this.held]);
    this.reset();
    return out;
  }

  /**
   * Ends the input: returns the unterminated last line (bytes), or `null` if nothing is left,
   * and resets the decoder. Input held after a stop is returned as is, unsplit.
   */
  finish(): Uint8Array | null {
    const out = this.takeBuffered();
    return out.length === 0 ? null : out;
  }

  /** Forgets everything held. */
  override reset(): void {
    super.reset();
    this.acc.clear();
    this.discarding = false;
  }

  protected override windowSize(chunk: Uint8Array, text: boolean): number {
    // Windows bound the latin1 string built per scan; long byte lines build none, so a chunk of
    // them is scanned in one go.
    this.longLinesKnown = false;
    if (chunk.length <= WINDOW || text) return WINDOW;
    if (this.shortByteLines(asBuffer(chunk), 0)) return WINDOW;
    this.longLinesKnown = true;
    return Number.POSITIVE_INFINITY;
  }

  /**
   * Decodes one window. Returns -1 when it was consumed, else the offset where `onLine` stopped us.
   * `shortLines`: whether byte lines are short (see `shortByteLines`), when the
   * caller already knows; otherwise judged here.
   */
  protected scan(chunk: Uint8Array, onLine: LineCallback<unknown>, text: boolean): number {
    const shortLines = this.longLinesKnown ? false : undefined;
    this.longLinesKnown = false;
    const end = chunk.length;
    if (end === 0) {
      // An empty read still judges a held partial line: maxLength may have been lowered since.
      if (this.acc.length !== 0 && !this.discarding) this.checkPartial();
      return -1;
    }
    let pos = 0;
    if (this.discarding) {
      pos = this.skipDiscarded(chunk);
      if (pos < 0) return -1;
    }
    const acc = this.acc;
    const d = this.delimStr;
    const dl = d.length;
    const buf = asBuffer(chunk);
    // Text lines, and byte lines that are short: one latin1 string per chunk (a char per byte, so
    // string offsets are byte offsets) and the delimiter search runs in V8's string search instead of
    // one native call per line. Byte lines that are long: Buffer.indexOf per line, which skips the
    // latin1 copy of every byte (measured: 1 KiB lines 0.75x a bare indexOf loop with the string, on
    // par without it; 16-64 B lines 3-4x faster with the string).
    const delim = this.delim;
    const useString = text || (shortLines ?? this.shortByteLines(buf, pos));
    const s = useString ? buf.toString("latin1", pos, end) : "";
    const slen = end - pos;
    const find = useString
      ? (from: number): number => s.indexOf(d, from)
      : (from: number): number => {
          // Search for the delimiter's last byte (a single-byte search is a memchr, several times
          // faster than a multi-byte needle) and check the bytes before it.
          const dl = delim.length;
          const lastByte = delim[dl - 1] as number;
          let k = pos + from + dl - 1;
          for (;;) {
            const j = buf.indexOf(lastByte, k);
            if (j === -1) return -1;
            const start = j - dl + 1;
            let m = 0;
            while (m < dl - 1 && buf[start + m] === delim[m]) m++;
            if (m === dl - 1) return start - pos;
            k = j + 1;
          }
        };
    const base = pos;
    let a = 0; // offset in `s` where the next line starts
    // The driver keeps chunk[curPos..] if a callback throws: curPos is set before each callback.
    if (acc.length !== 0) {
      const heldLen = acc.length; // with a piece of the delimiter when it was split (k > 0)
      const k = this.splitMatch(chunk, pos);
      let lineLen: number;
      let head = 0; // bytes of this chunk belonging to the pending line
      if (k > 0) {
        lineLen = acc.length - k;
        acc.length = lineLen;
        a = dl - k;
      } else {
        const i = find(0);
        if (i === -1) {
          a = slen; // consumed: an overflow reported below must not re-queue it
          this.curPos = end;
          this.appendPartial(chunk, pos);
          return -1;
        }
        head = i;
        lineLen = acc.length + i;
        a = i + dl;
      }
      if (lineLen > this.maxLength) {
        if (this.overflow === "drop") {
          // Every byte held (the line and the piece of the delimiter it ended with), then the chunk.
          const data = concatBytes([
            acc.bytes.subarray(0, heldLen),
            chunk.subarray(pos),
            this.tail ?? EMPTY,
            ...this.held,
          ]);
          a = slen;
          this.curPos = end;
          this.dropAll();
          this.report(lineLen, data);
          return -1;
        }
        const data = concatBytes([
          acc.bytes.subarray(0, acc.length),
          chunk.subarray(pos, pos + head),
        ]);
        acc.clear();
        this.curPos = base + a;
        this.report(lineLen, data);
      } else {
        let line: unknown;
        if (text) {
          acc.append(chunk, pos, pos + head);
          line = acc.buffer.toString("utf8", 0, lineLen);
        } else if (head === 0) {
          line = acc.copy(0, lineLen);
        } else {
          const out = new Uint8Array(lineLen);
          out.set(acc.bytes.subarray(0, acc.length));
          out.set(chunk.subarray(pos, pos + head), acc.length);
          line = out;
        }
        acc.clear();
        this.curPos = base + a;
        if (onLine(line) === false) return this.cur === chunk ? base + a : -1;
        if (this.cur !== chunk) return -1; // the callback took the buffer (takeBuffered)
      }
    }

    let i = find(a);
    if (i !== -1) {
      const max = this.maxLength;
      const mode = !text
        ? BYTES
        : isAscii(chunk)
          ? ASCII_TEXT
          : this.delimAscii
            ? UTF8_TEXT
            : UTF8_PER_LINE;
      // Byte lines are made with the Uint8Array constructor: measurably cheaper than subarray(),
      // which looks up the species constructor on every call.
      const ab = chunk.buffer;
      const off = chunk.byteOffset;
      let u = "";
      let ua = 0;
      if (mode === UTF8_TEXT) {
        // The delimiter is ASCII and ASCII bytes never occur inside a UTF-8 sequence (and end any
        // broken one), so decoding all complete lines at once and splitting the string on the
        // delimiter yields exactly the per-line decodings.
        u = buf.toString("utf8", base + a, base + s.lastIndexOf(d) + dl);
      }
      while (i !== -1) {
        const len = i - a;
        if (len > max) {
          if (this.overflow === "drop") {
            const data = concatBytes([chunk.subarray(base + a), this.tail ?? EMPTY, ...this.held]);
            a = slen;
            this.curPos = end;
            this.dropAll();
            this.report(len, data);
            return -1;
          }
          const data = copyBytes(chunk.subarray(base + a, base + i));
          a = i + dl;
          if (mode === UTF8_TEXT) ua = u.indexOf(d, ua) + dl;
          this.curPos = base + a;
          this.report(len, data);
        } else {
          let line: unknown;
          if (mode === BYTES) line = new Uint8Array(ab, off + base + a, len);
          else if (mode === ASCII_TEXT) line = s.slice(a, i);
          else if (mode === UTF8_TEXT) {
            const ui = u.indexOf(d, ua);
            line = u.slice(ua, ui);
            ua = ui + dl;
          } else line = buf.toString("utf8", base + a, base + i);
          a = i + dl;
          this.curPos = base + a;
          if (onLine(line) === false) return this.cur === chunk ? base + a : -1;
          if (this.cur !== chunk) return -1; // the callback took the buffer (takeBuffered)
        }
        i = find(a);
      }
    }
    if (base + a < end) {
      this.curPos = end;
      this.appendPartial(chunk, base + a);
    }
    return -1;
  }

  /**
   * Whether the byte lines of `buf` (from `pos`) look short enough for the latin1-string search.
   * Judged by the first whole line: a chunk usually starts inside a line.
   */
  private shortByteLines(buf: Buffer, pos: number): boolean {
    const delim = this.delim;
    const first = buf.indexOf(delim, pos);
    if (first === -1) return false;
    const second = buf.indexOf(delim, first + delim.length);
    return second !== -1 && second - first < LONG_BYTE_LINE;
  }

  /** Adds `chunk[from..]` (no complete delimiter in it) to the partial line and checks its length. */
  private appendPartial(chunk: Uint8Array, from: number): void {
    this.acc.append(chunk, from);
    this.checkPartial();
  }

  /**
   * Whether a held unterminated line is too long: `held` bytes, of which the last `suffix` are a
   * proper prefix of the delimiter (they may still be completed by the next chunk). The default
   * does not count that piece, so a line of exactly `maxLength` is accepted whatever the chunking
   * (even with CR and LF apart) and a longer one is rejected as soon as it is certain.
   */
  protected partialTooLong(held: number, suffix: number): boolean {
    return held - suffix > this.maxLength;
  }

  /** Reports the held partial line if {@link LineDecoder.partialTooLong} says it is too long. */
  private checkPartial(): void {
    const acc = this.acc;
    const suffix = this.partialDelimiterSuffix();
    if (!this.partialTooLong(acc.length, suffix)) return;
    const content = acc.length - suffix;
    let data = acc.copy();
    if (this.overflow === "drop") {
      // Everything after it is part of the same unterminated line or follows it: the rest of the
      // chunk and input held behind it (received while paused, re-entrant, setLineMode's extra).
      data = concatBytes([data, this.tail ?? EMPTY, ...this.held]);
      this.dropAll();
    } else {
      this.keepDelimiterTail();
      this.discarding = true;
    }
    this.report(content, data);
  }

  /** While discarding: returns the offset just past the next delimiter, or -1 if the chunk has none. */
  private skipDiscarded(chunk: Uint8Array): number {
    const dl = this.delim.length;
    const k = this.splitMatch(chunk, 0);
    let next = -1;
    if (k > 0) next = dl - k;
    else {
      const i = asBuffer(chunk).indexOf(this.delim);
      if (i !== -1) next = i + dl;
    }
    if (next < 0) {
      this.acc.append(chunk);
      this.keepDelimiterTail();
      return -1;
    }
    this.acc.clear();
    this.discarding = false;
    return next;
  }

  /** Keeps only the last `delimiter.length - 1` bytes of `acc` (enough to find a split delimiter). */
  private keepDelimiterTail(): void {
    const acc = this.acc;
    const keep = Math.min(this.delim.length - 1, acc.length);
    acc.bytes.copyWithin(0, acc.length - keep, acc.length);
    acc.length = keep;
  }

  /** Largest k such that acc's last k bytes + chunk[pos..] start with the delimiter; 0 if none. */
  private splitMatch(chunk: Uint8Array, pos: number): number {
    const d = this.delim;
    const dl = d.length;
    const acc = this.acc.bytes;
    const al = this.acc.length;
    const avail = chunk.length - pos;
    outer: for (let k = Math.min(dl - 1, al); k >= 1; k--) {
      if (avail < dl - k) continue;
      for (let j = 0; j < k; j++) if (acc[al - k + j] !== d[j]) continue outer;
      for (let j = k; j < dl; j++) if (chunk[pos + j - k] !== d[j]) continue outer;
      return k;
    }
    return 0;
  }

  /** Length of the longest proper prefix of the delimiter that `acc` ends with. */
  private partialDelimiterSuffix(): number {
    const d = this.delim;
    const acc = this.acc.bytes;
    const al = this.acc.length;
    outer: for (let k = Math.min(d.length - 1, al); k >= 1; k--) {
      for (let j = 0; j < k; j++) if (acc[al - k + j] !== d[j]) continue outer;
      return k;
    }
    return 0;
  }

  private dropAll(): void {
    this.acc.clear();
    this.held = [];
    this.discarding = false;
    this.tail = null;
  }

  private report(length: number, data: Uint8Array): void {
    const onOverflow = this.onOverflow;
    if (onOverflow === undefined) throw new LineTooLongError(length, this.maxLength);
    // takeBuffered() from here returns only what is held, not the chunk being scanned.
    const cur = this.cur;
    const tail = this.tail;
    this.cur = null;
    try {
      onOverflow({ length, maxLength: this.maxLength, data });
    } finally {
      this.cur = cur;
      if (this.tail === null && tail !== null && this.overflow === "discard") this.tail = tail;
    }
  }
}

function checkMaxLength(n: number): number {
  if (!(Number.isInteger(n) || n === Number.POSITIVE_INFINITY) || n < 0) {
    throw new InvalidArgumentError(
      `maxLength must be a non-negative integer (bytes), got ${String(n)}`,
    );
  }
  return n;
}
