import { describe, expect, it } from "vitest";
import { buildPayload, checkOrder, linePrefix } from "./payload.js";
import { parseListening, parseSummary } from "./proc.js";
import { median, si, table } from "./stats.js";

describe("report helpers", () => {
  it("takes the median of odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it("formats rates and tables", () => {
    expect(si(1_234_567)).toBe("1.23 M");
    expect(si(98_765)).toBe("98.8 k");
    expect(table(["a", "bb"], [["1", "2"]]).split("\n")).toEqual([
      "| a | bb |",
      "|---|----|",
      "| 1 | 2  |",
    ]);
  });
});

describe("payload", () => {
  it("builds CRLF lines of exactly the requested size, numbered per connection", () => {
    const buf = buildPayload(7, 3, 16);
    expect(buf.length).toBe(3 * 18);
    const lines = buf.toString("latin1").split("\r\n").slice(0, -1);
    expect(lines).toHaveLength(3);
    for (const [i, line] of lines.entries()) {
      expect(line).toHaveLength(16);
      expect(line.startsWith(`${linePrefix(7, i)}x`)).toBe(true);
    }
    expect(checkOrder(lines).get(7)).toBe(3);
  });

  it("refuses a size that cannot hold the prefix", () => {
    expect(() => buildPayload(123, 1_000_000, 8)).toThrow(RangeError);
  });

  it("detects gaps and reordering", () => {
    expect(() => checkOrder(["1:0xx", "1:2xx"])).toThrow(/expected line 1, got 2/);
    expect(() => checkOrder(["hello"])).toThrow(/unexpected line/);
    expect([...checkOrder(["1:0", "2:0", "1:1"])]).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });
});

describe("server output parsing", () => {
  it("reads the listening line in text and JSON form", () => {
    expect(parseListening("listening on 127.0.0.1:4567")).toEqual({
      host: "127.0.0.1",
      port: 4567,
    });
    expect(parseListening('{"event":"listening","host":"::1","port":80}')).toEqual({
      host: "::1",
      port: 80,
    });
    expect(parseListening("server received a connection!")).toBeNull();
  });

  it("reads the stop summary in JSON or text form", () => {
    expect(parseSummary(["x", '{"event":"stopped","connections":2,"lines":10}'])).toEqual({
      connections: 2,
      lines: 10,
    });
    expect(parseSummary(["stopped: 3 connections, 42 lines"])).toEqual({
      connections: 3,
      lines: 42,
    });
    expect(parseSummary(["nothing here"])).toBeNull();
  });
});
