/**
 * Pre-built load: each line carries its connection index and sequence number, so a server's output
 * can be checked for completeness and order (`c:i` then `x` padding up to the line size, then CRLF).
 */

const X = 0x78;
const CR = 0x0d;
const LF = 0x0a;

/** The payload text of line `index` of connection `conn` before padding, e.g. `7:1234`. */
export function linePrefix(conn: number, index: number): string {
  return `${conn}:${index}`;
}

/**
 * Builds one connection's whole stream up front: `lines` CRLF-terminated lines of exactly `size`
 * bytes each (not counting the CRLF). Throws a RangeError if `size` cannot hold the `c:i` prefix.
 */
export function buildPayload(conn: number, lines: number, size: number): Buffer {
  return buildPayloadFrom(conn, 0, lines, size);
}

/** Like {@link buildPayload}, for lines `first` to `first + lines - 1` of connection `conn`. */
export function buildPayloadFrom(conn: number, first: number, lines: number, size: number): Buffer {
  const stride = size + 2;
  const last = linePrefix(conn, first + Math.max(0, lines - 1));
  if (last.length > size)
    throw new RangeError(`line size ${size} cannot hold the prefix "${last}"`);
  const buf = Buffer.alloc(lines * stride, X);
  for (let i = 0; i < lines; i++) {
    const at = i * stride;
    buf.write(linePrefix(conn, first + i), at, "latin1");
    buf[at + size] = CR;
    buf[at + size + 1] = LF;
  }
  return buf;
}

/** Parses `c:i` at the start of a received line; `null` if the line is not one of ours. */
export function parsePrefix(line: string): { conn: number; index: number } | null {
  const m = /^(\d+):(\d+)/.exec(line);
  if (!m) return null;
  return { conn: Number(m[1]), index: Number(m[2]) };
}

/**
 * Checks that, per connection, the received lines are 0, 1, 2, ... with no gap, duplicate or
 * reordering. Returns the number of lines seen per connection, or throws an Error naming the first
 * violation.
 */
export function checkOrder(lines: Iterable<string>): Map<number, number> {
  const next = new Map<number, number>();
  for (const line of lines) {
    const p = parsePrefix(line);
    if (!p) throw new Error(`unexpected line ${JSON.stringify(line.slice(0, 40))}`);
    const want = next.get(p.conn) ?? 0;
    if (p.index !== want)
      throw new Error(`connection ${p.conn}: expected line ${want}, got ${p.index}`);
    next.set(p.conn, want + 1);
  }
  return next;
}
