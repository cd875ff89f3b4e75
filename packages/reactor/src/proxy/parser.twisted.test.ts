/**
 * Differential test of ProxyHeaderParser against Twisted 22.4's own parsers
 * (`twisted.protocols.haproxy`, Debian's /usr/bin/python3): the same headers, whole, through both;
 * the addresses must agree, and so must accept/refuse, on the inputs where lr does not differ on
 * purpose (see the README's list). Skipped with a one-line reason when that Twisted is missing,
 * except under CI=true, where .ci/run installs python3-twisted and the test must run.
 */
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Address } from "../core/address.js";
import { formatIPv6, parseIPv6 } from "./ip.js";
import { PROXY_V2_SIGNATURE, ProxyHeaderParser } from "./parser.js";

const PYTHON = "/usr/bin/python3";

function twistedAvailable(): boolean {
  try {
    execFileSync(PYTHON, ["-c", "import twisted.protocols.haproxy"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const HAVE_TWISTED = twistedAvailable();
const CI = process.env.CI === "true";
if (!HAVE_TWISTED && !CI)
  console.warn("PROXY differential test skipped: no Twisted in /usr/bin/python3 (python3-twisted)");

// Reads hex lines on stdin; prints one JSON line each: the addresses, or the exception's class.
const SCRIPT = `
import sys, json
from twisted.protocols.haproxy._v1parser import V1Parser
from twisted.protocols.haproxy._v2parser import V2Parser
def addr(a):
    if a is None: return None
    if hasattr(a, "port"): return [a.host, a.port]
    name = a.name
    return ["unix", name.decode("utf-8", "replace") if isinstance(name, bytes) else name]
for line in sys.stdin:
    data = bytes.fromhex(line.strip())
    try:
        parser = V2Parser() if data[:12] == V2Parser.PREFIX else V1Parser()
        info, rest = parser.feed(data)
        if info is None: out = {"incomplete": True}
        else: out = {"source": addr(info.source), "destination": addr(info.destination), "rest": rest.hex()}
    except Exception as e:
        out = {"error": type(e).__name__}
    print(json.dumps(out))
`;

interface TwistedResult {
  readonly incomplete?: boolean;
  readonly source?: [string, number | string] | null;
  readonly destination?: [string, number | string] | null;
  readonly rest?: string;
  readonly error?: string;
}

function twisted(inputs: readonly Uint8Array[]): TwistedResult[] {
  const out = execFileSync(PYTHON, ["-c", SCRIPT], {
    input: inputs.map((i) => Buffer.from(i).toString("hex")).join("\n"),
    encoding: "utf8",
    timeout: 60_000,
  });
  return out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as TwistedResult);
}

/** One address as Twisted prints it, IPv6 hosts normalised (Twisted's v2 parser does not compress). */
function norm(a: Address | [string, number | string] | null | undefined): unknown {
  if (a === null || a === undefined) return null;
  if (Array.isArray(a)) {
    const [host, port] = a;
    if (host === "unix") return ["unix", port];
    const v6 = host.includes(":") ? parseIPv6(host) : null;
    return [v6 ? formatIPv6(v6) : host, port];
  }
  return a.type === "UNIX" ? ["unix", a.path ?? ""] : [a.host, a.port];
}

const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const port = fc.integer({ min: 0, max: 65535 });
const tail = fc.uint8Array({ maxLength: 20 });
const be16 = (n: number) => [n >> 8, n & 0xff];
const v2 = (verCmd: number, famProto: number, body: number[]) =>
  Uint8Array.from([...PROXY_V2_SIGNATURE, verCmd, famProto, ...be16(body.length), ...body]);
const path = fc.string({ unit: fc.constantFrom(..."abc/._-"), minLength: 1, maxLength: 100 });
const field = (text: string) => {
  const b = new Uint8Array(108);
  b.set(Buffer.from(text));
  return [...b];
};

/** Headers on which lr and Twisted are meant to agree, each with a few bytes after it. */
const agreed = fc.tuple(
  fc.oneof(
    fc
      .tuple(ipv4, ipv4, port, port)
      .map(([s, d, sp, dp]) =>
        Buffer.from(`PROXY TCP4 ${s.join(".")} ${d.join(".")} ${sp} ${dp}\r\n`),
      ),
    fc
      .tuple(ipv6, ipv6, port, port)
      .map(([s, d, sp, dp]) =>
        Buffer.from(`PROXY TCP6 ${formatIPv6(s)} ${formatIPv6(d)} ${sp} ${dp}\r\n`),
      ),
    fc.constant(Buffer.from("PROXY UNKNOWN 1 2 3 4\r\n")),
    fc
      .tuple(ipv4, ipv4, port, port, fc.constantFrom(0x11, 0x12), fc.uint8Array({ maxLength: 30 }))
      .map(([s, d, sp, dp, fp, tlv]) =>
        v2(0x21, fp, [...s, ...d, ...be16(sp), ...be16(dp), ...tlv]),
      ),
    fc
      .tuple(ipv6, ipv6, port, port, fc.constantFrom(0x21, 0x22))
      .map(([s, d, sp, dp, fp]) => v2(0x21, fp, [...s, ...d, ...be16(sp), ...be16(dp)])),
    fc.tuple(path, path).map(([s, d]) => v2(0x21, 0x31, [...field(s), ...field(d)])),
    fc.constant(v2(0x20, 0x00, [])),
    fc.constant(v2(0x20, 0x11, new Array(12).fill(7))),
    // Refused by both.
    fc.constant(Buffer.from("PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n")),
    fc.constant(Buffer.from(`PROXY UNKNOWN ${"x".repeat(120)}`)),
    fc.constant(v2(0x31, 0x11, new Array(12).fill(0))),
    fc.constant(v2(0x23, 0x11, new Array(12).fill(0))),
    fc.constant(v2(0x21, 0x41, new Array(12).fill(0))),
  ),
  tail,
);

describe.skipIf(!HAVE_TWISTED && !CI)("ProxyHeaderParser vs Twisted 22.4", () => {
  it("agrees with Twisted's parsers on 1000 generated headers", () => {
    if (!HAVE_TWISTED)
      throw new Error("CI=true: /usr/bin/python3 must have Twisted (python3-twisted)");
    const cases = fc.sample(agreed, { numRuns: 1000, seed: 16 });
    const inputs = cases.map(([h, t]) => Uint8Array.from([...h, ...t]));
    const theirs = twisted(inputs);
    expect(theirs).toHaveLength(inputs.length);
    let accepted = 0;
    inputs.forEach((input, i) => {
      const ours = new ProxyHeaderParser().feed(input);
      const their = theirs[i] as TwistedResult;
      const label = Buffer.from(input).toString("hex");
      if (their.error !== undefined) {
        expect(ours.kind, label).toBe("error");
        return;
      }
      expect(ours.kind, label).toBe("header");
      if (ours.kind !== "header") return;
      accepted++;
      expect(norm(ours.header.source), label).toEqual(norm(their.source));
      expect(norm(ours.header.destination), label).toEqual(norm(their.destination));
      expect(Buffer.from(ours.rest).toString("hex"), label).toBe(their.rest);
    });
    expect(accepted).toBeGreaterThan(500);
  });
});
