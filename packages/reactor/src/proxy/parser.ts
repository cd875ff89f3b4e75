/**
 * A sans-I/O parser of PROXY protocol headers (HAProxy's proxy-protocol.txt, versions 1 and 2): fed
 * the first bytes of a connection in chunks of any size, it reports "need more", a parsed header
 * with the bytes that followed it, or a typed error. It never throws on any input.
 */
import { type Address, tcpAddress, unixAddress } from "../core/address.js";
import { InvalidProxyHeaderError, type InvalidProxyHeaderReason } from "./errors.js";
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "./ip.js";

/** What a PROXY protocol header says about the connection. */
export interface ProxyHeader {
  /** Protocol version: 1 (text) or 2 (binary). */
  readonly version: 1 | 2;
  /**
   * `"PROXY"`: relayed on behalf of a client (v1 is always `"PROXY"`). `"LOCAL"` (v2 only): opened by
   * the proxy itself, e.g. a health check; the addresses are those of the socket.
   */
  readonly command: "PROXY" | "LOCAL";
  /**
   * The client's transport protocol: `"STREAM"` (TCP, or a UNIX stream socket), `"DGRAM"` (UDP or a
   * UNIX datagram socket, v2 only) or `"UNSPEC"` (v1 `UNKNOWN`, v2 LOCAL or AF_UNSPEC).
   */
  readonly protocol: "STREAM" | "DGRAM" | "UNSPEC";
  /** The client's address, or `null` when the header carries none (LOCAL, `UNKNOWN`, AF_UNSPEC). */
  readonly source: Address | null;
  /** The address the client connected to on the proxy, or `null` like {@link ProxyHeader.source}. */
  readonly destination: Address | null;
  /** The header's size in bytes, CRLF or TLVs included. */
  readonly length: number;
  /** v2: the TLV bytes after the address block, unparsed (empty for v1 and for a header without TLVs). */
  readonly tlvs: Uint8Array;
}

/** One step of {@link ProxyHeaderParser.feed}. */
export type ProxyParseResult =
  /** The header is not complete yet: feed more bytes. */
  | { readonly kind: "incomplete" }
  /** The header is complete; `rest` holds the bytes fed after it (possibly empty). */
  | { readonly kind: "header"; readonly header: ProxyHeader; readonly rest: Uint8Array }
  /** The bytes are not an acceptable header; the connection should be dropped. */
  | { readonly kind: "error"; readonly error: InvalidProxyHeaderError };

/** Options of {@link ProxyHeaderParser}. */
export interface ProxyHeaderParserOptions {
  /**
   * Longest v2 header accepted, in bytes, signature and TLVs included (default and maximum 65551,
   * i.e. 16 + the largest length the header can declare; at least 232, enough for a UNIX address
   * block). v1 lines are limited to 107 bytes by the specification.
   */
  readonly maxHeaderLength?: number;
}

/** The 12-byte signature that opens a v2 header. */
export const PROXY_V2_SIGNATURE: Uint8Array = Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);

/** Longest v1 header, CRLF included (the specification's figure). */
export const PROXY_V1_MAX_LENGTH = 107;

const V1_PREFIX = Uint8Array.of(0x50, 0x52, 0x4f, 0x58, 0x59, 0x20); // "PROXY "
const V2_MAX = 16 + 0xffff;
const ADDRESS_BLOCK: Record<number, number> = { 0: 0, 1: 12, 2: 36, 3: 216 };
const PROTOCOLS = ["UNSPEC", "STREAM", "DGRAM"] as const;
const EMPTY = new Uint8Array(0);
const ascii = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8");

/**
 * Parses one PROXY protocol header, v1 or v2, from bytes fed in any chunks. Results are the same
 * however the input is split. Once it has reported a header, later calls report the same header
 * with the new bytes as `rest`; once it has reported an error, later calls report that error.
 *
 * @example
 * ```ts
 * const parser = new ProxyHeaderParser();
 * const r = parser.feed(new TextEncoder().encode("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nhello"));
 * if (r.kind === "header") console.log(r.header.source, new TextDecoder().decode(r.rest)); // {host: "192.0.2.1", port: 56324, ...} hello
 * ```
 */
export class ProxyHeaderParser {
  readonly #max: number;
  #buffer: Uint8Array = EMPTY;
  #final: ProxyParseResult | null = null;

  /** Throws `RangeError` for a `maxHeaderLength` outside 232..65551. */
  constructor(options: ProxyHeaderParserOptions = {}) {
    const max = options.maxHeaderLength ?? V2_MAX;
    if (!Number.isInteger(max) || max < 16 + 216 || max > V2_MAX)
      throw new RangeError(`maxHeaderLength must be an integer in 232..${V2_MAX}, got ${max}.`);
    this.#max = max;
  }

  /** `true` once a header or an error has been reported. */
  get done(): boolean {
    return this.#final !== null;
  }

  /** Feeds the next bytes of the connection. Never throws. */
  feed(data: Uint8Array): ProxyParseResult {
    const final = this.#final;
    if (final) return final.kind === "header" ? { ...final, rest: data } : final;
    const buffered = this.#buffer;
    let buffer: Uint8Array;
    if (buffered.length === 0) buffer = data;
    else {
      buffer = new Uint8Array(buffered.length + data.length);
      buffer.set(buffered);
      buffer.set(data, buffered.length);
    }
    const result = parse(buffer, this.#max, buffered.length);
    if (result.kind === "incomplete") {
      // Keep a copy: the caller may reuse the chunk's memory.
      this.#buffer = buffer === data ? data.slice() : buffer;
      return result;
    }
    this.#buffer = EMPTY;
    this.#final = result.kind === "header" ? { ...result, rest: EMPTY } : result;
    return result;
  }
}

function fail(reason: InvalidProxyHeaderReason, detail: string): ProxyParseResult {
  return { kind: "error", error: new InvalidProxyHeaderError(reason, detail) };
}

const INCOMPLETE: ProxyParseResult = { kind: "incomplete" };

/** Parses `buffer` from its start; `checked` bytes were already found acceptable as a prefix. */
function parse(buffer: Uint8Array, max: number, checked: number): ProxyParseResult {
  if (buffer.length === 0) return INCOMPLETE;
  if (buffer[0] === 0x50) return parseV1(buffer, checked);
  if (buffer[0] === 0x0d) return parseV2(buffer, max);
  return fail("not-proxy", "the connection does not start with a PROXY protocol header");
}

function parseV1(buffer: Uint8Array, checked: number): ProxyParseResult {
  const limit = Math.min(buffer.length, PROXY_V1_MAX_LENGTH);
  for (let i = Math.max(0, checked - 1); i < limit; i++) {
    const byte = buffer[i] as number;
    if (i < V1_PREFIX.length) {
      if (byte !== V1_PREFIX[i])
        return fail("not-proxy", "the connection does not start with a PROXY protocol header");
      continue;
    }
    if (byte === 0x0d) {
      if (i + 1 >= buffer.length) return INCOMPLETE;
      if (buffer[i + 1] !== 0x0a) return fail("malformed", "a CR not followed by LF");
      return v1Line(ascii.decode(buffer.subarray(0, i)), buffer.subarray(i + 2), i + 2);
    }
    if (byte < 0x20 || byte > 0x7e) return fail("malformed", "a byte that is not printable ASCII");
  }
  if (buffer.length >= PROXY_V1_MAX_LENGTH)
    return fail("too-long", `no CRLF within the first ${PROXY_V1_MAX_LENGTH} bytes`);
  return INCOMPLETE;
}

function port(text: string | undefined): number | null {
  if (text === undefined || !/^(0|[1-9][0-9]{0,4})$/.test(text)) return null;
  const value = Number(text);
  return value <= 0xffff ? value : null;
}

function v1Line(line: string, rest: Uint8Array, length: number): ProxyParseResult {
  const fields = line.split(" ");
  const family = fields[1];
  if (family === "UNKNOWN")
    return {
      kind: "header",
      header: {
        version: 1,
        command: "PROXY",
        protocol: "UNSPEC",
        source: null,
        destination: null,
        length,
        tlvs: EMPTY,
      },
      rest,
    };
  if (family !== "TCP4" && family !== "TCP6")
    return fail("malformed", "the protocol is not TCP4, TCP6 or UNKNOWN");
  if (fields.length !== 6)
    return fail("malformed", "expected PROXY TCP4|TCP6 <src> <dst> <srcport> <dstport>");
  const v6 = family === "TCP6";
  const parseAddress = v6 ? parseIPv6 : parseIPv4;
  const src = parseAddress(fields[2] as string);
  const dst = parseAddress(fields[3] as string);
  if (!src || !dst) return fail("malformed", `an address that is not ${v6 ? "IPv6" : "IPv4"}`);
  const srcPort = port(fields[4]);
  const dstPort = port(fields[5]);
  if (srcPort === null || dstPort === null)
    return fail("malformed", "a port that is not a decimal number in 0..65535");
  const format = v6 ? formatIPv6 : formatIPv4;
  const ipFamily = v6 ? "IPv6" : "IPv4";
  return {
    kind: "header",
    header: {
      version: 1,
      command: "PROXY",
      protocol: "STREAM",
      source: tcpAddress(format(src), srcPort, ipFamily),
      destination: tcpAddress(format(dst), dstPort, ipFamily),
      length,
      tlvs: EMPTY,
    },
    rest,
  };
}

function parseV2(buffer: Uint8Array, max: number): ProxyParseResult {
  const signed = Math.min(buffer.length, PROXY_V2_SIGNATURE.length);
  for (let i = 0; i < signed; i++)
    if (buffer[i] !== PROXY_V2_SIGNATURE[i])
      return fail("not-proxy", "the connection does not start with a PROXY protocol header");
  if (buffer.length < 13) return INCOMPLETE;
  const versionCommand = buffer[12] as number;
  if (versionCommand >> 4 !== 2)
    return fail("unsupported-version", `version ${versionCommand >> 4} (only 2 is defined)`);
  const command = versionCommand & 0x0f;
  if (command > 1)
    return fail("unsupported-command", `command ${command} (only LOCAL 0 and PROXY 1 are defined)`);
  if (buffer.length < 14) return INCOMPLETE;
  const familyProtocol = buffer[13] as number;
  const family = familyProtocol >> 4;
  const protocolIndex = familyProtocol & 0x0f;
  // LOCAL: the address block, family included, is to be ignored.
  if (command === 1 && (family > 3 || protocolIndex > 2))
    return fail(
      "unsupported-family",
      `address family ${family}, protocol ${protocolIndex} (defined: families 0-3, protocols 0-2)`,
    );
  if (buffer.length < 16) return INCOMPLETE;
  const length = 16 + (((buffer[14] as number) << 8) | (buffer[15] as number));
  if (length > max) return fail("too-long", `a ${length}-byte header (at most ${max} accepted)`);
  const needed = command === 1 ? (ADDRESS_BLOCK[family] ?? 0) : 0;
  if (length - 16 < needed)
    return fail(
      "truncated-address",
      `${length - 16} bytes declared, the address block needs ${needed}`,
    );
  if (buffer.length < length) return INCOMPLETE;
  const rest = buffer.subarray(length);
  const tlvs = buffer.slice(16 + needed, length);
  const local = command === 0;
  const protocol = local ? "UNSPEC" : (PROTOCOLS[protocolIndex] ?? "UNSPEC");
  let source: Address | null = null;
  let destination: Address | null = null;
  if (!local && family !== 0 && protocol !== "UNSPEC") {
    if (family === 3) {
      source = unixAddress(unixPath(buffer, 16));
      destination = unixAddress(unixPath(buffer, 16 + 108));
    } else {
      const v6 = family === 2;
      const size = v6 ? 16 : 4;
      const format = v6 ? formatIPv6 : formatIPv4;
      const portAt = 16 + 2 * size;
      const srcPort = ((buffer[portAt] as number) << 8) | (buffer[portAt + 1] as number);
      const dstPort = ((buffer[portAt + 2] as number) << 8) | (buffer[portAt + 3] as number);
      const ipFamily = v6 ? "IPv6" : "IPv4";
      source = tcpAddress(format(buffer, 16), srcPort, ipFamily);
      destination = tcpAddress(format(buffer, 16 + size), dstPort, ipFamily);
    }
  }
  return {
    kind: "header",
    header: {
      version: 2,
      command: local ? "LOCAL" : "PROXY",
      protocol,
      source,
      destination,
      length,
      tlvs,
    },
    rest,
  };
}

/** A NUL-terminated path in a 108-byte field; an empty (or abstract-namespace) path is `null`. */
function unixPath(buffer: Uint8Array, offset: number): string | null {
  const field = buffer.subarray(offset, offset + 108);
  const end = field.indexOf(0);
  const path = utf8.decode(end < 0 ? field : field.subarray(0, end));
  return path === "" ? null : path;
}
