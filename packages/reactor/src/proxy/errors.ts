import { LrError } from "../core/errors.js";

/**
 * Why a PROXY protocol header was refused (stable values, for logs and tests):
 *
 * - `not-proxy`: the first bytes are neither a v1 (`PROXY `) nor a v2 (binary signature) header;
 * - `too-long`: a v1 line without CRLF within 107 bytes, or a v2 header longer than allowed;
 * - `malformed`: a v1 line that does not follow the grammar (fields, addresses, ports, bytes);
 * - `unsupported-version`: a v2 signature with a version other than 2;
 * - `unsupported-command`: a v2 command other than LOCAL (0) and PROXY (1);
 * - `unsupported-family`: a v2 address family or transport protocol the specification does not define;
 * - `truncated-address`: a v2 length too short for the address block of its family;
 * - `timeout`: the whole header did not arrive in time;
 * - `incomplete`: the connection closed in the middle of the header.
 */
export type InvalidProxyHeaderReason =
  | "not-proxy"
  | "too-long"
  | "malformed"
  | "unsupported-version"
  | "unsupported-command"
  | "unsupported-family"
  | "truncated-address"
  | "timeout"
  | "incomplete";

/**
 * A connection's PROXY protocol header was missing, malformed, too long or too slow. Code
 * `ERR_INVALID_PROXY_HEADER`; {@link InvalidProxyHeaderError.reason} tells which. Reported (not
 * thrown) by `ProxyHeaderParser.feed`, and logged by `HAProxyWrappingFactory` when it drops a
 * connection.
 *
 * @example
 * ```ts
 * const result = new ProxyHeaderParser().feed(new TextEncoder().encode("GET / HTTP/1.1\r\n"));
 * if (result.kind === "error") console.log(result.error.code, result.error.reason); // ERR_INVALID_PROXY_HEADER not-proxy
 * ```
 */
export class InvalidProxyHeaderError extends LrError {
  /** Which rule the header broke. */
  readonly reason: InvalidProxyHeaderReason;

  constructor(reason: InvalidProxyHeaderReason, detail: string) {
    super("ERR_INVALID_PROXY_HEADER", `Invalid PROXY protocol header (${reason}): ${detail}`);
    this.reason = reason;
  }
}
