import { describe, expect, it } from "vitest";
import { versionLine } from "./version.js";

describe("versionLine", () => {
  it("names the program, its version and the Node version (no bundled libraries when unbundled)", () => {
    expect(versionLine("lr-server", "1.2.3")).toBe(`lr-server 1.2.3 (node ${process.version})`);
  });
});
