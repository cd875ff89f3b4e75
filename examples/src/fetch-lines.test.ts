import { describe, expect, it } from "vitest";
import { start } from "../test/program.js";

describe("fetch-lines", () => {
  it("splits a fetch() body from a local server into lines, across chunk boundaries", async () => {
    const program = start("fetch-lines");
    expect(await program.exited()).toBe(0);
    expect(program.stdout().trim().split("\n")).toEqual([
      "1: first line",
      "2: second line",
      "3: third line: ünïcødé",
      "4: last, no CRLF",
    ]);
  });
});
