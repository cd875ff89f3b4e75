import { describe, expect, it } from "vitest";
import { formatHostPort, isLoopbackHost } from "./net.js";

describe("isLoopbackHost", () => {
  it("knows loopback from exposed addresses", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["0.0.0.0", "::", "192.168.1.2", "example.com", "10.0.0.1"])
      expect(isLoopbackHost(h)).toBe(false);
  });
  it("brackets IPv6 hosts", () => {
    expect(formatHostPort("::1", 9)).toBe("[::1]:9");
    expect(formatHostPort("127.0.0.1", 9)).toBe("127.0.0.1:9");
  });
});
