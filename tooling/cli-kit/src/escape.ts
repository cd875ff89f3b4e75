/**
 * Safe text for a terminal or a log: peer bytes printed so that they can neither drive the
 * operator's terminal (ESC/CSI/OSC sequences, C1 controls, bells, backspaces) nor forge output
 * lines (a CR or LF inside a line), in the way nginx escapes its access log.
 *
 * - printable ASCII and valid UTF-8 stay as they are; TAB stays;
 * - CR, LF → `\r`, `\n`; a backslash → `\\` (so an escape in the output is never ambiguous);
 * - the other C0 controls, ESC and DEL → `\xNN` (`\x1b`, `\x07`, `\x7f`...);
 * - C1 controls (U+0080..U+009F) → the bytes of their UTF-8 form, `\xc2\x9b`;
 * - bytes that are not valid UTF-8 (stray continuation bytes, overlong forms, surrogates, cut
 *   sequences) → `\xNN`, one per byte;
 * - the Unicode line separators and bidirectional overrides (U+2028, U+2029, U+202A..U+202E,
 *   U+2066..U+2069, U+200E, U+200F, U+061C) → `\u202e` form: they reorder or break what a reader sees.
 */

const HEX = "0123456789abcdef";

function hexByte(b: number): string {
  return `\\x${HEX[b >> 4]}${HEX[b & 15]}`;
}

/** Code points (beyond the controls) that are escaped as `\uXXXX`. */
function isInvisibleControl(cp: number): boolean {
  return (
    cp === 0x061c ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069)
  );
}

/** `true` when the byte needs the slow path (anything but printable ASCII, TAB, without `\`). */
function special(b: number): boolean {
  return b < 0x20 ? b !== 9 : b >= 0x7f || b === 0x5c;
}

/**
 * Length of the valid UTF-8 sequence starting at `i` (2..4), or 0 when the bytes there are not one
 * (WHATWG / RFC 3629 rules: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
function sequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const b0 = bytes[i] as number;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    if (i + k >= end) return false;
    const b = bytes[i + k] as number;
    return b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 >= 0xe1 && b0 <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

function codePoint(bytes: Uint8Array, i: number, n: number): number {
  const b0 = bytes[i] as number;
  if (n === 2) return ((b0 & 0x1f) << 6) | ((bytes[i + 1] as number) & 0x3f);
  if (n === 3)
    return (
      ((b0 & 0x0f) << 12) |
      (((bytes[i + 1] as number) & 0x3f) << 6) |
      ((bytes[i + 2] as number) & 0x3f)
    );
  return (
    ((b0 & 0x07) << 18) |
    (((bytes[i + 1] as number) & 0x3f) << 12) |
    (((bytes[i + 2] as number) & 0x3f) << 6) |
    ((bytes[i + 3] as number) & 0x3f)
  );
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Escapes `bytes[start, end)` for printing (see the module notes for the rules). Printable ASCII
 * costs one scan and one Latin-1 decode.
 *
 * @example
 * ```ts
 * escapeText(Buffer.from("a\x1b]0;pwned\x07\nb\xff")); // "a\\x1b]0;pwned\\x07\\nb\\xff"
 * ```
 */
export function escapeText(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let i = start;
  while (i < end && !special(bytes[i] as number)) i++;
  const buf = asBuffer(bytes);
  if (i === end) return buf.toString("latin1", start, end);
  let out = buf.toString("latin1", start, i);
  let run = i; // start of bytes kept as they are (decoded as UTF-8 when flushed)
  const flush = (to: number): void => {
    if (to > run) out += buf.toString("utf8", run, to);
  };
  while (i < end) {
    const b = bytes[i] as number;
    if (!special(b)) {
      i++;
      continue;
    }
    if (b < 0x80) {
      flush(i);
      out += b === 10 ? "\\n" : b === 13 ? "\\r" : b === 0x5c ? "\\\\" : hexByte(b);
      run = ++i;
      continue;
    }
    const n = sequenceLength(bytes, i, end);
    if (n === 0) {
      flush(i);
      out += hexByte(b);
      run = ++i;
      continue;
    }
    const cp = codePoint(bytes, i, n);
    if (cp <= 0x9f) {
      flush(i);
      out += hexByte(b) + hexByte(bytes[i + 1] as number);
      i += n;
      run = i;
    } else if (isInvisibleControl(cp)) {
      flush(i);
      out += `\\u${cp.toString(16).padStart(4, "0")}`;
      i += n;
      run = i;
    } else i += n;
  }
  flush(end);
  return out;
}

/** `true` when some UTF-16 unit of `text` may need escaping (controls, `\\`, bidi, surrogates). */
function needsEscape(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 ? c !== 9 : c >= 0x7f && (c <= 0x9f || c === 0x061c || c >= 0x200e || c === 0x5c))
      return true;
    if (c === 0x5c) return true;
  }
  return false;
}

/**
 * {@link escapeText} for text that is already a string (e.g. a reason built from peer data): the
 * string's UTF-8 form is escaped.
 *
 * @example
 * ```ts
 * escapeString("bad\r\nline"); // "bad\\r\\nline"
 * ```
 */
export function escapeString(text: string): string {
  // Fast path: nothing to escape in the common case.
  if (!needsEscape(text)) return text;
  return escapeText(Buffer.from(text, "utf8"));
}

/**
 * Length of the longest suffix of `bytes` that could be the start of a UTF-8 sequence cut short by
 * the end of the chunk (0..3): those bytes wait for the next chunk.
 */
function incompleteTail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = bytes[n - k] as number;
    if (b < 0x80) return 0;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return need > k ? k : 0;
    }
  }
  return 0;
}

/**
 * Cuts a stream of chunks at UTF-8 sequence boundaries: `push` returns the bytes that can be
 * decoded now (what was held back, then the chunk minus a sequence cut short at its end), `end`
 * what is left. Decoding (or escaping) the pieces one by one gives the same text as the whole.
 */
export class Utf8Chunks {
  #held: Uint8Array = new Uint8Array(0);

  /** `true` while bytes of a cut sequence are held back. */
  get holding(): boolean {
    return this.#held.length > 0;
  }

  push(chunk: Uint8Array): Uint8Array {
    let bytes = chunk;
    if (this.#held.length > 0) {
      bytes = Buffer.concat([this.#held, chunk]);
      this.#held = new Uint8Array(0);
    }
    const keep = incompleteTail(bytes);
    if (keep === 0) return bytes;
    this.#held = bytes.slice(bytes.length - keep);
    return bytes.subarray(0, bytes.length - keep);
  }

  end(): Uint8Array {
    const held = this.#held;
    this.#held = new Uint8Array(0);
    return held;
  }
}

/** `true` when `escapeText(bytes) === bytes` read as ASCII: printable ASCII and TAB, no backslash. */
export function isPlainText(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (special(bytes[i] as number)) return false;
  return true;
}

/**
 * {@link escapeText} over a stream of chunks: the result of all `write`s plus `end()` is exactly
 * `escapeText` of the whole, whatever the chunking (a UTF-8 sequence cut between two chunks is
 * held back until the next one). Used to print a huge line piece by piece.
 *
 * @example
 * ```ts
 * const e = new TextEscaper();
 * e.write(Buffer.from([0xe2, 0x82])) + e.write(Buffer.from([0xac, 0x0a])) + e.end(); // "€\\n"
 * ```
 */
export class TextEscaper {
  readonly #chunks = new Utf8Chunks();

  /** `true` while bytes of a cut sequence are held back. */
  get holding(): boolean {
    return this.#chunks.holding;
  }

  /** Escapes `chunk` (and whatever was held back), holding back a cut sequence at its end. */
  write(chunk: Uint8Array): string {
    return escapeText(this.#chunks.push(chunk));
  }

  /** Escapes what is still held back (an unfinished sequence: `\xNN` per byte). */
  end(): string {
    return escapeText(this.#chunks.end());
  }
}
