import { readdirSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import type { ConnectionOptions, SecureVersion, TlsOptions } from "node:tls";
import { domainToASCII } from "node:url";
import type { Address, TCPAddress, UNIXAddress } from "../core/address.js";
import { BadEndpointError } from "../core/errors.js";
import type {
  EndpointReactor,
  ReactorTime,
  ReactorTLS,
  StreamClientEndpoint,
  StreamServerEndpoint,
} from "../core/interfaces.js";
import { HAProxyServerEndpoint } from "../proxy/endpoint.js";
import { parseEndpoint } from "./endpoint-parser.js";
import {
  TCPClientEndpoint,
  TCPServerEndpoint,
  TLSClientEndpoint,
  TLSServerEndpoint,
  UNIXClientEndpoint,
  UNIXServerEndpoint,
} from "./endpoints.js";

/** Maps positional and keyword arguments onto parameter names; unknown names are errors. */
function bind(
  description: string,
  type: string,
  args: readonly string[],
  kwargs: Readonly<Record<string, string>>,
  params: readonly string[],
  aliases: Record<string, string> = {},
): Map<string, string> {
  if (args.length > params.length) {
    throw new BadEndpointError(
      description,
      args[params.length] as string,
      `too many positional arguments for ${type} (expected at most ${params.length}: ${params.join(", ")})`,
    );
  }
  const out = new Map<string, string>();
  for (const [i, a] of args.entries()) out.set(params[i] as string, a);
  for (const [rawKey, value] of Object.entries(kwargs)) {
    const key = aliases[rawKey] ?? rawKey;
    if (!params.includes(key))
      throw new BadEndpointError(
        description,
        `${rawKey}=${value}`,
        `unknown ${type} option ${JSON.stringify(rawKey)} (known: ${params.join(", ")})`,
      );
    if (out.has(key))
      throw new BadEndpointError(
        description,
        `${rawKey}=${value}`,
        `${key} is given twice (as a positional argument and as ${rawKey}=, or under two names)`,
      );
    out.set(key, value);
  }
  return out;
}

function intArg(
  description: string,
  name: string,
  value: string,
  min: number,
  max: number,
): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new BadEndpointError(
      description,
      `${name}=${value}`,
      `${name} must be an integer from ${min} to ${max}`,
    );
  return n;
}

function required(
  description: string,
  type: string,
  values: Map<string, string>,
  name: string,
): string {
  const v = values.get(name);
  if (v === undefined || v === "")
    throw new BadEndpointError(
      description,
      type,
      `missing ${name} (e.g. ${type}:${name === "port" ? "9000" : "..."})`,
    );
  return v;
}

function secondsArg(description: string, name: string, value: string): number {
  const s = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(s))
    throw new BadEndpointError(
      description,
      `${name}=${value}`,
      `${name} must be a number of seconds`,
    );
  return s * 1000;
}

function readFile(description: string, name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new BadEndpointError(description, `${name}=${path}`, `cannot read ${name} file (${why})`);
  }
}

function readPemDir(description: string, name: string, dir: string): Buffer[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.(pem|crt)$/i.test(f));
  } catch (error) {
    throw new BadEndpointError(
      description,
      `${name}=${dir}`,
      `cannot read ${name} directory (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  return files.map((f) => readFileSync(join(dir, f)));
}

const SSL_METHODS: Record<string, SecureVersion> = {
  TLS_METHOD: "TLSv1.2",
  SSLv23_METHOD: "TLSv1.2",
  TLSv1_2_METHOD: "TLSv1.2",
  TLSv1_3_METHOD: "TLSv1.3",
};

function needTLS<R extends Partial<ReactorTLS>>(
  description: string,
  type: string,
  reactor: R,
): R & ReactorTLS {
  if (typeof reactor.listenTLS !== "function" || typeof reactor.connectTLS !== "function") {
    throw new BadEndpointError(
      description,
      type,
      "this reactor does not support TLS (no listenTLS/connectTLS)",
    );
  }
  return reactor as R & ReactorTLS;
}

/**
 * The kind of address a server endpoint description binds, read from its prefix: `TCPAddress` for
 * `tcp:`, `ssl:` and `tls:`, `UNIXAddress` for `unix:`, `Address` when the type is not known statically.
 */
export type ServerEndpointAddress<S extends string> = S extends `unix:${string}`
  ? UNIXAddress
  : S extends `${"tcp" | "ssl" | "tls"}:${string}`
    ? TCPAddress
    : Address;

/**
 * Builds a server endpoint from a Twisted-style description string (see {@link parseEndpoint} for the
 * grammar). Types are case-sensitive, as in Twisted:
 *
 * - `tcp:PORT[:interface=HOST][:backlog=N]` (also `tcp:port=PORT`); an IPv6 interface must be escaped:
 *   `tcp:9000:interface=\:\:1`.
 * - `unix:PATH[:mode=OCTAL][:backlog=N][:lockfile=0|1]` (also `address=`/`path=`; `lockfile` is accepted and ignored).
 * - `ssl:PORT[:privateKey=FILE][:certKey=FILE][:interface=][:backlog=][:extraCertChain=FILE][:dhParameters=FILE][:sslmethod=]`
 *   and `tls:` (same keys, `certificate=` as an alias of `certKey`). `privateKey` defaults to
 *   `server.pem`, `certKey` to the private key file (one PEM holding both). Files are read now.
 * - `haproxy:` followed by any server endpoint (`haproxy:tcp:9000:interface=127.0.0.1`): the same
 *   endpoint, every connection of which starts with a PROXY protocol v1/v2 header (an
 *   {@link HAProxyServerEndpoint}; the header timeout runs on the reactor's `callLater`).
 *
 * Throws `BadEndpointError` (`ERR_BAD_ENDPOINT`) with a one-line message naming the bad part.
 *
 * @example
 * ```ts
 * const port = await serverFromString(reactor, "tcp:9000:interface=127.0.0.1").listen(factory);
 * ```
 */
export function serverFromString<S extends string>(
  reactor: EndpointReactor,
  description: S,
): StreamServerEndpoint<ServerEndpointAddress<S>>;
export function serverFromString(
  reactor: EndpointReactor,
  description: string,
): StreamServerEndpoint {
  const { type, args, kwargs } = parseEndpoint(description);
  switch (type) {
    case "haproxy": {
      // Twisted's prefix: everything after "haproxy:" is the wrapped endpoint, verbatim.
      const inner = description.slice(type.length + 1);
      if (!description.startsWith("haproxy:") || inner === "")
        throw new BadEndpointError(
          description,
          type,
          "haproxy: must be followed by a server endpoint, e.g. haproxy:tcp:9000",
        );
      const clock = reactor as EndpointReactor & Partial<ReactorTime>;
      if (typeof clock.callLater !== "function")
        throw new BadEndpointError(
          description,
          type,
          "this reactor has no callLater (the PROXY header timeout needs one)",
        );
      return new HAProxyServerEndpoint(serverFromString(reactor, inner), {
        clock: clock as EndpointReactor & ReactorTime,
      });
    }
    case "tcp": {
      const v = bind(description, type, args, kwargs, ["port", "interface", "backlog"]);
      const port = intArg(description, "port", required(description, type, v, "port"), 0, 65_535);
      const host = v.get("interface") || undefined;
      const backlog = v.has("backlog")
        ? intArg(description, "backlog", v.get("backlog") as string, 0, 1_000_000)
        : undefined;
      return new TCPServerEndpoint(reactor, port, {
        ...(host ? { host } : {}),
        ...(backlog === undefined ? {} : { backlog }),
      });
    }
    case "unix": {
      const v = bind(description, type, args, kwargs, ["address", "mode", "backlog", "lockfile"], {
        path: "address",
      });
      const path = required(description, type, v, "address");
      const modeText = v.get("mode");
      if (modeText !== undefined && !/^(0[oO])?[0-7]{1,4}$/.test(modeText))
        throw new BadEndpointError(
          description,
          `mode=${modeText}`,
          "mode must be an octal number like 600",
        );
      const lockfile = v.get("lockfile");
      if (lockfile !== undefined && lockfile !== "0" && lockfile !== "1")
        throw new BadEndpointError(description, `lockfile=${lockfile}`, "lockfile must be 0 or 1");
      const backlog = v.has("backlog")
        ? intArg(description, "backlog", v.get("backlog") as string, 0, 1_000_000)
        : undefined;
      return new UNIXServerEndpoint(reactor, path, {
        ...(backlog === undefined ? {} : { backlog }),
        ...(modeText === undefined
          ? {}
          : { mode: Number.parseInt(modeText.replace(/^0[oO]/, ""), 8) }),
      });
    }
    case "ssl":
    case "tls": {
      const tlsReactor = needTLS(description, type, reactor);
      const v = bind(
        description,
        type,
        args,
        kwargs,
        [
          "port",
          "privateKey",
          "certKey",
          "sslmethod",
          "interface",
          "backlog",
          "extraCertChain",
          "dhParameters",
        ],
        {
          certificate: "certKey",
        },
      );
      const port = intArg(description, "port", required(description, type, v, "port"), 0, 65_535);
      const keyFile = v.get("privateKey") || "server.pem";
      const certFile = v.get("certKey") || keyFile;
      const key = readFile(description, "privateKey", keyFile);
      let cert = readFile(description, "certKey", certFile);
      const chain = v.get("extraCertChain");
      // Given, even empty, it must name a readable file holding at least one PEM certificate
      // (as Twisted's check).
      if (chain !== undefined) {
        const chainPem = readFile(description, "extraCertChain", chain);
        if (!chainPem.includes("-----BEGIN CERTIFICATE-----"))
          throw new BadEndpointError(
            description,
            `extraCertChain=${chain}`,
            "the chain file does not contain any certificate in PEM format",
          );
        cert = Buffer.concat([cert, Buffer.from("\n"), chainPem]);
      }
      const tlsOptions: TlsOptions = { key, cert };
      const dh = v.get("dhParameters");
      if (dh) tlsOptions.dhparam = readFile(description, "dhParameters", dh);
      const method = v.get("sslmethod");
      if (method !== undefined) {
        const min = SSL_METHODS[method];
        if (!min)
          throw new BadEndpointError(
            description,
            `sslmethod=${method}`,
            `unsupported sslmethod (known: ${Object.keys(SSL_METHODS).join(", ")})`,
          );
        tlsOptions.minVersion = min;
      }
      const host = v.get("interface") || undefined;
      const backlog = v.has("backlog")
        ? intArg(description, "backlog", v.get("backlog") as string, 0, 1_000_000)
        : undefined;
      return new TLSServerEndpoint(tlsReactor, port, tlsOptions, {
        ...(host ? { host } : {}),
        ...(backlog === undefined ? {} : { backlog }),
      });
    }
    default:
      throw new BadEndpointError(
        description,
        type,
        "unknown server endpoint type (known: tcp, unix, ssl, tls, haproxy; types are case-sensitive)",
      );
  }
}

/** Twisted's TCP client rule: `tcp:HOST:PORT`, `tcp:host=HOST:PORT`, `tcp:HOST:port=PORT`. */
function hostAndPort(
  description: string,
  type: string,
  args: readonly string[],
  kwargs: Readonly<Record<string, string>>,
): { args: string[]; kwargs: Record<string, string> } {
  const kw = { ...kwargs };
  const rest = [...args];
  if (rest.length === 1) {
    if ("host" in kw) kw.port = rest.shift() as string;
    else kw.host = rest.shift() as string;
  } else if (rest.length >= 2) {
    kw.host = rest.shift() as string;
    kw.port = rest.shift() as string;
  }
  if (rest.length > 0)
    throw new BadEndpointError(
      description,
      rest[0] as string,
      `too many positional arguments for ${type} (expected HOST:PORT)`,
    );
  return { args: rest, kwargs: kw };
}

/**
 * Builds a client endpoint from a Twisted-style description string. Types are case-insensitive
 * (as Twisted's `clientFromString`). Timeouts are in **seconds**, as in Twisted:
 *
 * - `tcp:host=HOST:port=PORT[:timeout=30][:bindAddress=IP]` (also `tcp:HOST:PORT`).
 * - `unix:PATH[:timeout=30][:lockfile=0|1]` (also `path=`; `lockfile`/`checkPID` accepted and ignored).
 * - `tls:HOST:PORT[:timeout=][:bindAddress=][:certificate=FILE][:privateKey=FILE][:trustRoots=FILE][:hostname=NAME]`
 *   and `ssl:` (also `certKey=`, `caCertsDir=DIR`). The server certificate is always verified: against
 *   `trustRoots`/`caCertsDir` when given, else Node's default CA store (unlike Twisted's legacy `ssl:`).
 *
 * Throws `BadEndpointError` (`ERR_BAD_ENDPOINT`) with a one-line message naming the bad part.
 *
 * @example
 * ```ts
 * const protocol = await clientFromString(reactor, "tcp:host=localhost:port=9000:timeout=5").connect(factory);
 * ```
 */
export function clientFromString(
  reactor: EndpointReactor,
  description: string,
): StreamClientEndpoint {
  const parsed = parseEndpoint(description);
  const type = parsed.type.toLowerCase();
  switch (type) {
    case "tcp": {
      const { args, kwargs } = hostAndPort(description, type, parsed.args, parsed.kwargs);
      const v = bind(description, type, args, kwargs, ["host", "port", "timeout", "bindAddress"]);
      const host = required(description, type, v, "host");
      const port = intArg(description, "port", required(description, type, v, "port"), 1, 65_535);
      const options = clientOptions(description, v);
      return new TCPClientEndpoint(reactor, host, port, options);
    }
    case "unix": {
      // One positional argument, the path (Twisted binds no other positionally).
      if (parsed.args.length > 1)
        throw new BadEndpointError(
          description,
          parsed.args[1] as string,
          "too many positional arguments for unix (expected PATH; use timeout=, lockfile=)",
        );
      const v = bind(
        description,
        type,
        parsed.args,
        parsed.kwargs,
        ["path", "timeout", "lockfile"],
        { checkPID: "lockfile" },
      );
      const path = required(description, type, v, "path");
      const lockfile = v.get("lockfile");
      if (lockfile !== undefined && lockfile !== "0" && lockfile !== "1")
        throw new BadEndpointError(description, `lockfile=${lockfile}`, "lockfile must be 0 or 1");
      const timeout = v.get("timeout");
      return new UNIXClientEndpoint(
        reactor,
        path,
        timeout === undefined ? {} : { timeoutMs: secondsArg(description, "timeout", timeout) },
      );
    }
    case "ssl":
    case "tls": {
      const tlsReactor = needTLS(description, type, reactor);
      const { args, kwargs } = hostAndPort(description, type, parsed.args, parsed.kwargs);
      const v = bind(
        description,
        type,
        args,
        kwargs,
        [
          "host",
          "port",
          "timeout",
          "bindAddress",
          "certificate",
          "privateKey",
          "trustRoots",
          "caCertsDir",
          "hostname",
        ],
        {
          certKey: "certificate",
        },
      );
      const host = asciiHost(description, required(description, type, v, "host"));
      const port = intArg(description, "port", required(description, type, v, "port"), 1, 65_535);
      const tlsOptions: ConnectionOptions = {};
      const certificate = v.get("certificate");
      const privateKey = v.get("privateKey");
      if (certificate) tlsOptions.cert = readFile(description, "certificate", certificate);
      if (privateKey || certificate)
        tlsOptions.key = readFile(description, "privateKey", privateKey || (certificate as string));
      const ca: Buffer[] = [];
      const trustRoots = v.get("trustRoots");
      if (trustRoots) ca.push(readFile(description, "trustRoots", trustRoots));
      const caDir = v.get("caCertsDir");
      if (caDir) ca.push(...readPemDir(description, "caCertsDir", caDir));
      if (ca.length > 0) tlsOptions.ca = ca;
      const hostname = v.get("hostname");
      const servername = hostname
        ? asciiHost(description, hostname)
        : isIP(host)
          ? undefined
          : host;
      if (servername) tlsOptions.servername = servername;
      return new TLSClientEndpoint(
        tlsReactor,
        host,
        port,
        tlsOptions,
        clientOptions(description, v),
      );
    }
    default:
      throw new BadEndpointError(
        description,
        parsed.type,
        "unknown client endpoint type (known: tcp, unix, ssl, tls)",
      );
  }
}

/** A non-ASCII host name in its IDNA (punycode) form, as Twisted sends it in SNI and checks it. */
function asciiHost(description: string, host: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  if (/^[\x00-\x7f]*$/.test(host)) return host;
  const ascii = domainToASCII(host);
  if (ascii === "")
    throw new BadEndpointError(
      description,
      host,
      "host is not a valid internationalized domain name",
    );
  return ascii;
}

function clientOptions(
  description: string,
  v: Map<string, string>,
): { timeoutMs?: number; bindAddress?: string } {
  const timeout = v.get("timeout");
  const bindAddress = v.get("bindAddress");
  return {
    ...(timeout === undefined ? {} : { timeoutMs: secondsArg(description, "timeout", timeout) }),
    ...(bindAddress ? { bindAddress } : {}),
  };
}
