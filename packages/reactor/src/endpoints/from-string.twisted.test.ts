/**
 * The parser scenarios of Twisted 22.4's `twisted/internet/test/test_endpoints.py` (ParserTests,
 * ServerStringTests, ClientStringTests, the SSL chain checks), in lr's terms: ms timeouts, Node TLS
 * options. Plugin scenarios do not apply (lr has no endpoint plugins). Behaviours carried over; the
 * code is our own.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTestCertificate } from "../../test/tls-cert.js";
import { BadEndpointError } from "../core/errors.js";
import { nullLogger } from "../core/logger.js";
import { createReactor } from "../node/reactor.js";
import { parseEndpoint, quoteEndpointArgument } from "./endpoint-parser.js";
import {
  TCPClientEndpoint,
  TCPServerEndpoint,
  TLSClientEndpoint,
  TLSServerEndpoint,
  UNIXClientEndpoint,
  UNIXServerEndpoint,
} from "./endpoints.js";
import { clientFromString, serverFromString } from "./from-string.js";

const reactor = createReactor({ logger: nullLogger });

function server<T>(description: string, type: abstract new (...args: never[]) => T): T {
  const ep = serverFromString(reactor, description);
  expect(ep).toBeInstanceOf(type);
  return ep as T;
}

function client<T>(description: string, type: abstract new (...args: never[]) => T): T {
  const ep = clientFromString(reactor, description);
  expect(ep).toBeInstanceOf(type);
  return ep as T;
}

describe("endpoint strings (Twisted's ParserTests)", () => {
  it("tcp:80 is a TCP port with the default interface and backlog", () => {
    const ep = server("tcp:80", TCPServerEndpoint);
    expect(ep.port).toBe(80);
    expect(ep.options.host).toBeUndefined();
    expect(ep.options.backlog).toBeUndefined(); // listenTCP's default, 50
  });

  it("the interface of a TCP port is a string", () => {
    expect(server("tcp:80:interface=127.0.0.1", TCPServerEndpoint).options.host).toBe("127.0.0.1");
  });

  it("the backlog of a TCP port is an integer", () => {
    expect(server("tcp:80:backlog=6", TCPServerEndpoint).options.backlog).toBe(6);
  });

  it("unix:PATH is a UNIX port with the default backlog", () => {
    const ep = server("unix:/var/run/finger", UNIXServerEndpoint);
    expect(ep.path).toBe("/var/run/finger");
    expect(ep.options.backlog).toBeUndefined();
    // Deliberate difference unix-default-mode: no chmod unless mode= is given (Twisted: 0666).
    expect(ep.options.mode).toBeUndefined();
  });

  it("mode= sets the socket mode, read as octal", () => {
    expect(server("unix:/var/run/finger:mode=0660", UNIXServerEndpoint).options.mode).toBe(0o660);
    expect(server("unix:/var/run/finger:mode=0o600", UNIXServerEndpoint).options.mode).toBe(0o600);
  });

  it("lockfile=0 is accepted (lr creates no lock file either way)", () => {
    expect(server("unix:/var/run/finger:lockfile=0", UNIXServerEndpoint).path).toBe(
      "/var/run/finger",
    );
  });

  it("a backslash escapes colons, equals signs and backslashes", () => {
    expect(server("unix:foo\\:bar\\=baz\\:qux\\\\", UNIXServerEndpoint).path).toBe(
      "foo:bar=baz:qux\\",
    );
  });

  it("quoteEndpointArgument quotes backslashes and colons", () => {
    expect(quoteEndpointArgument("some : stuff \\")).toBe("some \\: stuff \\\\");
  });

  it("an = inside a value needs no quoting", () => {
    expect(server("unix:address=foo=bar", UNIXServerEndpoint).path).toBe("foo=bar");
    expect(parseEndpoint("unix:address=foo=bar").kwargs).toEqual({ address: "foo=bar" });
  });

  it("an unknown endpoint type is an error", () => {
    expect(() => serverFromString(reactor, "bogus-type:nothing")).toThrow(BadEndpointError);
  });
});

describe("serverFromString (Twisted's ServerStringTests)", () => {
  it("tcp: takes the port positionally, backlog and interface as keywords", () => {
    const ep = server("tcp:1234:backlog=12:interface=10.0.0.1", TCPServerEndpoint);
    expect([ep.port, ep.options.backlog, ep.options.host]).toEqual([1234, 12, "10.0.0.1"]);
  });

  it("unix: takes the path, backlog, mode and lockfile", () => {
    const ep = server("unix:/var/foo/bar:backlog=7:mode=0123:lockfile=1", UNIXServerEndpoint);
    expect([ep.path, ep.options.backlog, ep.options.mode]).toEqual(["/var/foo/bar", 7, 0o123]);
  });

  it("an unknown type names the type in the error", () => {
    expect(() => serverFromString(reactor, "ftl:andromeda/carcosa/hali/2387")).toThrow(/ftl/);
  });

  it("a value given positionally and as a keyword is an error (tcp:80:port=81)", () => {
    expect(() => serverFromString(reactor, "tcp:80:port=81")).toThrow(BadEndpointError);
  });

  it("__proto__ is an ordinary (unknown) key", () => {
    expect(parseEndpoint("tcp:__proto__=x").kwargs).toEqual(
      Object.fromEntries([["__proto__", "x"]]),
    );
    expect(() => serverFromString(reactor, "tcp:80:__proto__=x")).toThrow(BadEndpointError);
  });

  describe("ssl:", () => {
    const cert = makeTestCertificate();
    const q = quoteEndpointArgument;

    it("takes the port, backlog, key, certificate, method and interface", () => {
      const ep = server(
        `ssl:1234:backlog=12:privateKey=${q(cert.keyFile)}:certKey=${q(cert.certFile)}:sslmethod=TLSv1_2_METHOD:interface=10.0.0.1`,
        TLSServerEndpoint,
      );
      expect([ep.port, ep.options.backlog, ep.options.host]).toEqual([1234, 12, "10.0.0.1"]);
      expect(ep.tlsOptions.minVersion).toBe("TLSv1.2");
    });

    it("needs only a port and the key file (a PEM with the certificate too)", () => {
      const both = join(cert.dir, "both.pem");
      writeFileSync(both, Buffer.concat([cert.key, cert.cert]));
      const ep = server(`ssl:4321:privateKey=${q(both)}`, TLSServerEndpoint);
      expect(ep.port).toBe(4321);
      expect(ep.options.backlog).toBeUndefined();
      expect(ep.options.host).toBeUndefined();
    });

    it("extraCertChain= appends the chain's certificates after the certificate", () => {
      const chain = join(cert.dir, "chain.pem");
      writeFileSync(chain, cert.cert);
      const ep = server(
        `ssl:1234:privateKey=${q(cert.keyFile)}:certKey=${q(cert.certFile)}:extraCertChain=${q(chain)}`,
        TLSServerEndpoint,
      );
      const pem = String(ep.tlsOptions.cert);
      expect(pem.split("-----BEGIN CERTIFICATE-----")).toHaveLength(3);
    });

    it("a chain file without any certificate is an error, and so is an empty extraCertChain=", () => {
      const empty = join(cert.dir, "empty.pem");
      writeFileSync(empty, "");
      const base = `ssl:1234:privateKey=${q(cert.keyFile)}:certKey=${q(cert.certFile)}`;
      expect(() => serverFromString(reactor, `${base}:extraCertChain=${q(empty)}`)).toThrow(
        /does not contain any certificate/,
      );
      expect(() => serverFromString(reactor, `${base}:extraCertChain=`)).toThrow(BadEndpointError);
    });

    it("dhParameters= names a file that is read", () => {
      const base = `ssl:4321:privateKey=${q(cert.keyFile)}:certKey=${q(cert.certFile)}`;
      expect(() => serverFromString(reactor, `${base}:dhParameters=no-such-file`)).toThrow(
        BadEndpointError,
      );
    });

    it("key and certificate files without a trailing newline are fine", () => {
      const key = join(cert.dir, "k-nonl.pem");
      const crt = join(cert.dir, "c-nonl.pem");
      writeFileSync(key, String(cert.key).trimEnd());
      writeFileSync(crt, String(cert.cert).trimEnd());
      expect(
        server(`ssl:1234:privateKey=${q(key)}:certKey=${q(crt)}`, TLSServerEndpoint).port,
      ).toBe(1234);
    });
  });
});

describe("clientFromString (Twisted's ClientStringTests)", () => {
  it("tcp: with host, port, timeout and bindAddress as keywords", () => {
    const ep = client(
      "tcp:host=example.com:port=1234:timeout=7:bindAddress=10.0.0.2",
      TCPClientEndpoint,
    );
    expect([ep.host, ep.port, ep.options.timeoutMs, ep.options.bindAddress]).toEqual([
      "example.com",
      1234,
      7000,
      "10.0.0.2",
    ]);
  });

  it("tcp: with host and port positionally", () => {
    const ep = client("tcp:example.com:1234:timeout=7:bindAddress=10.0.0.2", TCPClientEndpoint);
    expect([ep.host, ep.port, ep.options.timeoutMs]).toEqual(["example.com", 1234, 7000]);
  });

  it("tcp: with only the host positionally", () => {
    const ep = client("tcp:example.com:port=1234", TCPClientEndpoint);
    expect([ep.host, ep.port]).toEqual(["example.com", 1234]);
  });

  it("tcp: with only the port positionally", () => {
    const ep = client("tcp:host=example.com:1234", TCPClientEndpoint);
    expect([ep.host, ep.port]).toEqual(["example.com", 1234]);
  });

  it("tcp: defaults: the connect timeout (30 s) and no bind address", () => {
    const ep = client("tcp:host=example.com:port=1234", TCPClientEndpoint);
    expect(ep.options.timeoutMs).toBeUndefined();
    expect(ep.options.bindAddress).toBeUndefined();
  });

  it("unix: with path, lockfile and timeout as keywords", () => {
    const ep = client("unix:path=/var/foo/bar:lockfile=1:timeout=9", UNIXClientEndpoint);
    expect([ep.path, ep.options.timeoutMs]).toEqual(["/var/foo/bar", 9000]);
  });

  it("unix: defaults", () => {
    expect(client("unix:path=/var/foo/bar", UNIXClientEndpoint).options.timeoutMs).toBeUndefined();
  });

  it("unix: with the path positionally, and only the path", () => {
    const ep = client("unix:/var/foo/bar:lockfile=1:timeout=9", UNIXClientEndpoint);
    expect([ep.path, ep.options.timeoutMs]).toEqual(["/var/foo/bar", 9000]);
    expect(() => clientFromString(reactor, "unix:/var/foo/bar:9")).toThrow(BadEndpointError);
  });

  it("an unknown type names the type in the error", () => {
    expect(() => clientFromString(reactor, "ftl:andromeda/carcosa/hali/2387")).toThrow(/ftl/);
  });

  it("a non-ASCII TLS host is used in its IDNA form (connect and SNI)", () => {
    const ep = client("tls:b\u00fccher.example:443", TLSClientEndpoint);
    expect(ep.host).toBe("xn--bcher-kva.example");
    expect(ep.tlsOptions.servername).toBe("xn--bcher-kva.example");
  });
});
