/** The address of a TCP endpoint. */
export interface TCPAddress {
  readonly type: "TCP";
  /** `"IPv4"` or `"IPv6"`. */
  readonly family: "IPv4" | "IPv6";
  /** Numeric host (or the host name given, for a destination not yet resolved). */
  readonly host: string;
  /** Port number. */
  readonly port: number;
}

/** The address of a UNIX domain socket endpoint. `path` is `null` for an unnamed peer. */
export interface UNIXAddress {
  readonly type: "UNIX";
  readonly path: string | null;
}

/** Any endpoint address a transport or port can report. */
export type Address = TCPAddress | UNIXAddress;

/** Builds a {@link TCPAddress}; the family is inferred from the host when not given. */
export function tcpAddress(host: string, port: number, family?: "IPv4" | "IPv6"): TCPAddress {
  return { type: "TCP", family: family ?? (host.includes(":") ? "IPv6" : "IPv4"), host, port };
}

/** Builds a {@link UNIXAddress}. */
export function unixAddress(path: string | null): UNIXAddress {
  return { type: "UNIX", path };
}

/**
 * Formats an address for humans and logs: `127.0.0.1:9000`, `[::1]:9000`, `unix:/tmp/s.sock`.
 */
export function formatAddress(address: Address): string {
  if (address.type === "UNIX") return `unix:${address.path ?? "(unnamed)"}`;
  return address.family === "IPv6"
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}
