import { describe, expect, it } from "vitest";
import { parseEndpoint, quoteEndpointArgument } from "./endpoint-parser.js";

describe("parseEndpoint (Twisted's grammar)", () => {
  it.each([
    ["tcp:9000", { type: "tcp", args: ["9000"], kwargs: {} }],
    [
      "tcp:port=9000:interface=127.0.0.1",
      { type: "tcp", args: [], kwargs: { port: "9000", interface: "127.0.0.1" } },
    ],
    ["tcp:9000:interface=\\:\\:1", { type: "tcp", args: ["9000"], kwargs: { interface: "::1" } }],
    ["unix:/tmp/a\\:b", { type: "unix", args: ["/tmp/a:b"], kwargs: {} }],
    ["x:k=v=w", { type: "x", args: [], kwargs: { k: "v=w" } }],
    ["x:a::b", { type: "x", args: ["a", "", "b"], kwargs: {} }],
    ["x:k=1:k=2", { type: "x", args: [], kwargs: { k: "2" } }],
    ["x:\\\\:\\=", { type: "x", args: ["\\", "="], kwargs: {} }],
    ["x:a\\=b=c", { type: "x", args: [], kwargs: { "a=b": "c" } }],
  ])("%s", (text, expected) => {
    expect(parseEndpoint(text)).toEqual(expected);
  });

  it("rejects an empty type and a trailing backslash with ERR_BAD_ENDPOINT", () => {
    expect(() => parseEndpoint(":9000")).toThrow(
      expect.objectContaining({ code: "ERR_BAD_ENDPOINT" }),
    );
    expect(() => parseEndpoint("")).toThrow(expect.objectContaining({ code: "ERR_BAD_ENDPOINT" }));
    expect(() => parseEndpoint("tcp:9000\\")).toThrow(
      expect.objectContaining({
        code: "ERR_BAD_ENDPOINT",
        message: expect.stringContaining("backslash"),
      }),
    );
  });

  it("quoteEndpointArgument round-trips through the parser", () => {
    for (const value of ["plain", "a:b", "c:\\d", "k=v", "\\\\:::==", ""]) {
      expect(parseEndpoint(`unix:${quoteEndpointArgument(value)}`).args).toEqual([value]);
    }
  });
});
