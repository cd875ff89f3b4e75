import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tcpAddress, unixAddress } from "../core/address.js";
import { formatIPv6, parseIPv6 } from "./ip.js";
import {
  PROXY_V1_MAX_LENGTH,
  PROXY_V2_SIGNATURE,
  ProxyHeaderParser,
  type ProxyParseResult,
} from "./parser.js";

const enc = new TextEncoder();
const bytes = (text: string) => enc.encode(text);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** A v2 header: version/command byte, family/protocol byte, body (addresses + TLVs). */
function v2(verCmd: number, famProto: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(
    PROXY_V2_SIGNATURE,
    Uint8Array.of(verCmd, famProto, body.length >> 8, body.length & 0xff),
    body,
  );
}

function inet(src: number[], dst: number[], sport: number, dport: number): Uint8Array {
  return Uint8Array.of(...src, ...dst, sport >> 8, sport & 0xff, dport >> 8, dport & 0xff);
}

const parseAll = (data: Uint8Array): ProxyParseResult => new ProxyHeaderParser().feed(data);

function expectError(result: ProxyParseResult, reason: string): void {
  expect(result.kind).toBe("error");
  if (result.kind !== "error") return;
  expect(result.error.code).toBe("ERR_INVALID_PROXY_HEADER");
  expect(result.error.reason).toBe(reason);
}

describe("ProxyHeaderParser, v1", () => {
  it("parses TCP4 and hands back the bytes after the header", () => {
    const r = parseAll(bytes("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nhello\n"));
    expect(r).toEqual({
      kind: "header",
      header: {
        version: 1,
        command: "PROXY",
        protocol: "STREAM",
        source: tcpAddress("192.0.2.1", 56324),
        destination: tcpAddress("198.51.100.7", 443),
        length: 45,
        tlvs: new Uint8Array(0),
      },
      rest: bytes("hello\n"),
    });
  });

  it("parses TCP6 and reports the address in the form Node's sockets use", () => {
    const r = parseAll(bytes("PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::FFFF:127.0.0.1 1 65535\r\n"));
    expect(r.kind).toBe("header");
    if (r.kind !== "header") return;
    expect(r.header.source).toEqual(tcpAddress("2001:db8::1", 1, "IPv6"));
    expect(r.header.destination).toEqual(tcpAddress("::ffff:127.0.0.1", 65535, "IPv6"));
    expect(r.rest).toHaveLength(0);
  });

  it("accepts UNKNOWN with or without the rest of the line, and reports no addresses", () => {
    for (const line of ["PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"]) {
      const r = parseAll(bytes(`${line}x`));
      expect(r.kind).toBe("header");
      if (r.kind !== "header") continue;
      expect(r.header).toMatchObject({ version: 1, protocol: "UNSPEC", source: null });
      expect(r.rest).toEqual(bytes("x"));
    }
  });

  it("accepts a 107-byte line and refuses a longer one without waiting for CRLF", () => {
    const base = "PROXY UNKNOWN ";
    const line107 = `${base}${"a".repeat(PROXY_V1_MAX_LENGTH - base.length - 2)}\r\n`;
    expect(line107).toHaveLength(107);
    expect(parseAll(bytes(line107)).kind).toBe("header");
    const parser = new ProxyHeaderParser();
    expect(parser.feed(bytes(`${base}${"a".repeat(92)}`)).kind).toBe("incomplete");
    expectError(parser.feed(bytes("a")), "too-long");
  });

  it.each([
    ["PROXY TCP4 192.0.2.1 198.51.100.7 56324\r\n", "malformed"],
    ["PROXY TCP4 192.0.2.1 198.51.100.7 56324 443 extra\r\n", "malformed"],
    ["PROXY TCP4  192.0.2.1 198.51.100.7 56324 443\r\n", "malformed"],
    ["PROXY TCP4 192.0.2.256 198.51.100.7 1 2\r\n", "malformed"],
    ["PROXY TCP4 192.0.2.01 198.51.100.7 1 2\r\n", "malformed"],
    ["PROXY TCP4 ::1 ::1 1 2\r\n", "malformed"],
    ["PROXY TCP6 192.0.2.1 ::1 1 2\r\n", "malformed"],
    ["PROXY TCP6 1::2::3 ::1 1 2\r\n", "malformed"],
    ["PROXY TCP4 192.0.2.1 198.51.100.7 65536 443\r\n", "malformed"],
    ["PROXY TCP4 192.0.2.1 198.51.100.7 -1 443\r\n", "malformed"],
    ["PROXY TCP4 192.0.2.1 198.51.100.7 0443 443\r\n", "malformed"],
    ["PROXY UDP4 192.0.2.1 198.51.100.7 1 2\r\n", "malformed"],
    ["PROXY UNKNOWNX\r\n", "malformed"],
    ["PROXY\r\n", "not-proxy"],
    ["PROXY TCP4 1.2.3.4\n", "malformed"],
    ["PROXY TCP4 1.2.3.4\r5", "malformed"],
    ["PROXY TCP4 1.2.3.\u00e94", "malformed"],
    ["proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n", "not-proxy"],
    ["GET / HTTP/1.1\r\n", "not-proxy"],
    ["PRO\r\n", "not-proxy"],
  ])("refuses %j (%s)", (text, reason) => {
    expectError(parseAll(enc.encode(text)), reason);
  });

  it("reports an error as soon as the prefix cannot be a header", () => {
    expectError(parseAll(bytes("PX")), "not-proxy");
    expect(parseAll(bytes("PROX")).kind).toBe("incomplete");
    expectError(parseAll(bytes("\x16\x03\x01")), "not-proxy"); // a TLS ClientHello
  });
});

describe("ProxyHeaderParser, v2", () => {
  it("parses PROXY over INET (TCP) and skips the TLVs within the declared length", () => {
    const tlv = Uint8Array.of(0x04, 0x00, 0x02, 0xaa, 0xbb); // PP2_TYPE_NOOP, 2 bytes
    const header = v2(0x21, 0x11, concat(inet([10, 0, 0, 1], [10, 0, 0, 2], 1234, 9000), tlv));
    const r = parseAll(concat(header, bytes("data")));
    expect(r).toEqual({
      kind: "header",
      header: {
        version: 2,
        command: "PROXY",
        protocol: "STREAM",
        source: tcpAddress("10.0.0.1", 1234),
        destination: tcpAddress("10.0.0.2", 9000),
        length: 16 + 12 + 5,
        tlvs: tlv,
      },
      rest: bytes("data"),
    });
  });

  it("parses INET6 and DGRAM", () => {
    const a = new Uint8Array(16);
    a[15] = 1;
    const b = parseIPv6("2001:db8::42") as Uint8Array;
    const body = concat(a, b, Uint8Array.of(0, 80, 1, 0));
    const r = parseAll(v2(0x21, 0x22, body));
    expect(r.kind).toBe("header");
    if (r.kind !== "header") return;
    expect(r.header.protocol).toBe("DGRAM");
    expect(r.header.source).toEqual(tcpAddress("::1", 80, "IPv6"));
    expect(r.header.destination).toEqual(tcpAddress("2001:db8::42", 256, "IPv6"));
  });

  it("parses UNIX addresses (NUL-terminated paths in 108-byte fields)", () => {
    const body = new Uint8Array(216);
    body.set(bytes("/run/client.sock"), 0);
    body.set(bytes("/run/lr.sock"), 108);
    const r = parseAll(v2(0x21, 0x31, body));
    expect(r.kind).toBe("header");
    if (r.kind !== "header") return;
    expect(r.header.source).toEqual(unixAddress("/run/client.sock"));
    expect(r.header.destination).toEqual(unixAddress("/run/lr.sock"));
  });

  it("LOCAL and AF_UNSPEC carry no addresses; LOCAL ignores the family byte and the block", () => {
    for (const [verCmd, famProto, body] of [
      [0x20, 0x00, new Uint8Array(0)],
      [0x20, 0x11, inet([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)],
      [0x20, 0xff, Uint8Array.of(1, 2, 3)],
      [0x21, 0x00, Uint8Array.of(9, 9)],
    ] as const) {
      const r = parseAll(v2(verCmd, famProto, body));
      expect(r.kind).toBe("header");
      if (r.kind !== "header") continue;
      expect(r.header.command).toBe(verCmd === 0x20 ? "LOCAL" : "PROXY");
      expect(r.header).toMatchObject({ protocol: "UNSPEC", source: null, destination: null });
    }
  });

  it.each([
    ["a version other than 2", v2(0x11, 0x11), "unsupported-version"],
    ["an unknown command", v2(0x22, 0x11), "unsupported-command"],
    ["an unknown family", v2(0x21, 0x41, new Uint8Array(12)), "unsupported-family"],
    ["an unknown transport protocol", v2(0x21, 0x13, new Uint8Array(12)), "unsupported-family"],
    ["a length too short for INET", v2(0x21, 0x11, new Uint8Array(11)), "truncated-address"],
    ["a length too short for INET6", v2(0x21, 0x21, new Uint8Array(35)), "truncated-address"],
    ["a length too short for UNIX", v2(0x21, 0x31, new Uint8Array(215)), "truncated-address"],
    ["a wrong signature", concat(bytes("\r\n\r\n\0\r\nQUIX\n"), new Uint8Array(4)), "not-proxy"],
  ])("refuses %s", (_what, data, reason) => {
    expectError(parseAll(data), reason);
  });

  it("refuses a header longer than maxHeaderLength before it has arrived", () => {
    const parser = new ProxyHeaderParser({ maxHeaderLength: 300 });
    expectError(parser.feed(v2(0x21, 0x11, new Uint8Array(400)).subarray(0, 16)), "too-long");
    expect(() => new ProxyHeaderParser({ maxHeaderLength: 100 })).toThrow(RangeError);
  });

  it("waits for the declared length, then reports the same header for later feeds", () => {
    const header = v2(0x21, 0x11, inet([127, 0, 0, 2], [127, 0, 0, 1], 5000, 6000));
    const parser = new ProxyHeaderParser();
    expect(parser.feed(header.subarray(0, 20)).kind).toBe("incomplete");
    expect(parser.done).toBe(false);
    const r = parser.feed(header.subarray(20));
    expect(r.kind).toBe("header");
    expect(parser.done).toBe(true);
    const later = parser.feed(bytes("more"));
    expect(later).toMatchObject({ kind: "header", rest: bytes("more") });
  });

  it("keeps its own copy of a partial header (the caller may reuse the chunk)", () => {
    const header = v2(0x21, 0x11, inet([127, 0, 0, 2], [127, 0, 0, 1], 5000, 6000));
    const chunk = header.slice(0, 10);
    const parser = new ProxyHeaderParser();
    parser.feed(chunk);
    chunk.fill(0);
    expect(parser.feed(header.subarray(10)).kind).toBe("header");
  });
});

// ------------------------------------------------------------------------------------ properties

const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const portArb = fc.integer({ min: 0, max: 65535 });

/** Valid headers of every kind (v1 TCP4/TCP6/UNKNOWN, v2 every family and command, with TLVs). */
const validHeader: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .tuple(ipv4, ipv4, portArb, portArb)
    .map(([s, d, sp, dp]) => bytes(`PROXY TCP4 ${s.join(".")} ${d.join(".")} ${sp} ${dp}\r\n`)),
  fc
    .tuple(ipv6, ipv6, portArb, portArb)
    .map(([s, d, sp, dp]) => bytes(`PROXY TCP6 ${formatIPv6(s)} ${formatIPv6(d)} ${sp} ${dp}\r\n`)),
  fc
    .string({ unit: fc.constantFrom(..."abc:. 0123"), maxLength: 90 })
    .map((tail) => bytes(`PROXY UNKNOWN${tail === "" ? "" : ` ${tail}`}\r\n`)),
  fc
    .tuple(
      fc.constantFrom(0x20, 0x21),
      fc.constantFrom(0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32),
      fc.uint8Array({ minLength: 216, maxLength: 216 }),
      fc.uint8Array({ maxLength: 64 }),
    )
    .map(([verCmd, famProto, block, tlv]) => {
      const size = ({ 0: 0, 1: 12, 2: 36, 3: 216 } as Record<number, number>)[famProto >> 4] ?? 0;
      return v2(verCmd, famProto, concat(block.subarray(0, size), tlv));
    }),
);

/** Splits `data` at the given cut points. */
function chunksOf(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(data.subarray(at, p));
    at = p;
  }
  out.push(data.subarray(at));
  return out;
}

/** Feeds chunks; the outcome as one comparable value (the rest gathered over every later feed). */
function outcome(chunks: Uint8Array[]): unknown {
  const parser = new ProxyHeaderParser();
  let result: ProxyParseResult = { kind: "incomplete" };
  const rest: Uint8Array[] = [];
  for (const chunk of chunks) {
    const r = parser.feed(chunk);
    if (result.kind === "incomplete" || r.kind === "header") {
      if (r.kind === "header") rest.push(r.rest);
      if (result.kind === "incomplete") result = r;
    }
  }
  if (result.kind === "header") return { header: result.header, rest: [...concat(...rest)] };
  if (result.kind === "error") return { error: result.error.reason };
  return "incomplete";
}

/** Inputs that reach deep into both grammars, not just the first byte. */
const anyInput: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => concat(bytes("PROXY "), b)),
  fc
    .tuple(
      fc.string({ unit: fc.constantFrom(..."TCP46UNKOW :.0123456789abcdef\r\n"), maxLength: 120 }),
    )
    .map(([s]) => bytes(`PROXY ${s}`)),
  fc.uint8Array({ maxLength: 300 }).map((b) => concat(PROXY_V2_SIGNATURE, b)),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(100))
    .map(([b, cut]) => concat(PROXY_V2_SIGNATURE.subarray(0, cut % 13), b)),
  fc.tuple(validHeader, fc.uint8Array({ maxLength: 50 })).map(([h, b]) => concat(h, b)),
  fc.tuple(validHeader, fc.nat()).map(([h, cut]) => h.subarray(0, cut % (h.length + 1))),
);

const PROPERTY_RUNS = 5000;

describe("ProxyHeaderParser properties", () => {
  it(`any chunking of any input gives the same result (${PROPERTY_RUNS} runs)`, () => {
    fc.assert(
      fc.property(anyInput, fc.array(fc.nat(), { maxLength: 12 }), (data, cuts) => {
        expect(outcome(chunksOf(data, cuts))).toEqual(outcome([data]));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it(`any byte string never throws and gets a well-formed result (${PROPERTY_RUNS} runs)`, () => {
    fc.assert(
      fc.property(anyInput, (data) => {
        const r = new ProxyHeaderParser().feed(data);
        expect(["incomplete", "header", "error"]).toContain(r.kind);
        if (r.kind === "header") expect(r.header.length + r.rest.length).toBe(data.length);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it(`every valid header parses, with the bytes after it intact (${PROPERTY_RUNS} runs)`, () => {
    fc.assert(
      fc.property(validHeader, fc.uint8Array({ maxLength: 100 }), (header, after) => {
        const r = new ProxyHeaderParser().feed(concat(header, after));
        expect(r.kind).toBe("header");
        if (r.kind !== "header") return;
        expect(r.header.length).toBe(header.length);
        expect(r.rest).toEqual(after);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it(`v1 and v2 describe the same TCP peer alike, as Node's URL parser prints IPv6 (${PROPERTY_RUNS} runs)`, () => {
    fc.assert(
      fc.property(ipv6, ipv6, portArb, portArb, (s, d, sp, dp) => {
        const fromV2 = parseAll(
          v2(0x21, 0x21, concat(s, d, Uint8Array.of(sp >> 8, sp & 255, dp >> 8, dp & 255))),
        );
        // v1 with the uncompressed text form: the parser must compress it the same way.
        const full = (a: Uint8Array) =>
          Array.from({ length: 8 }, (_, i) =>
            (((a[2 * i] ?? 0) << 8) | (a[2 * i + 1] ?? 0)).toString(16),
          ).join(":");
        const fromV1 = parseAll(bytes(`PROXY TCP6 ${full(s)} ${full(d)} ${sp} ${dp}\r\n`));
        expect(fromV1.kind).toBe("header");
        expect(fromV2.kind).toBe("header");
        if (fromV1.kind !== "header" || fromV2.kind !== "header") return;
        expect(fromV1.header.source).toEqual(fromV2.header.source);
        expect(fromV1.header.destination).toEqual(fromV2.header.destination);
        const host = fromV2.header.source?.type === "TCP" ? fromV2.header.source.host : "";
        if (!host.includes("."))
          // URL prints an IPv4-mapped address in hex, Node's sockets do not
          expect(host).toBe(new URL(`http://[${full(s)}]/`).hostname.slice(1, -1));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
