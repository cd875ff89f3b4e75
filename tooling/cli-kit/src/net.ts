import { isIP } from "node:net";

/**
 * `true` for an address only this machine can reach: `localhost`, 127.0.0.0/8, `::1` (and
 * `::ffff:127.x.y.z`). Anything else (`0.0.0.0`, `::`, a LAN address, a host name) is exposed.
 *
 * @example
 * ```ts
 * isLoopbackHost("127.0.0.1"); // true
 * isLoopbackHost("0.0.0.0"); // false
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || /^::ffff:127\./.test(h) || /^(0:){7}1$/.test(h);
  return false;
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
