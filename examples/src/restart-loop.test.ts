import { describe, expect, it } from "vitest";
import { start } from "../test/program.js";

describe("restart-loop", () => {
  it("runs the same reactor three times, leaving nothing open between runs", async () => {
    const program = start("restart-loop");
    expect(await program.exited()).toBe(0);
    expect(program.stdout().trim().split("\n")).toEqual([
      "round 1: got hello from round 1",
      "round 1: stopped, 0 resources left",
      "round 2: got hello from round 2",
      "round 2: stopped, 0 resources left",
      "round 3: got hello from round 3",
      "round 3: stopped, 0 resources left",
    ]);
  });
});
