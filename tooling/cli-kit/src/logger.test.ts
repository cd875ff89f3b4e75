import { CannotListenError } from "@lr/reactor";
import { describe, expect, it } from "vitest";
import { createAppLogger, descriptorLimit } from "./logger.js";

describe("createAppLogger", () => {
  it("prints warnings and errors as one line, drops info and listen failures", () => {
    const out: string[] = [];
    const log = createAppLogger("prog", (t) => out.push(t));
    log.emit({ level: "info", message: "hello" });
    log.emit({ level: "warn", message: "careful", error: new Error("why") });
    log.emit({
      level: "error",
      message: "no",
      error: new CannotListenError("TCP 1", new Error("x")),
    });
    expect(out).toEqual(["prog: warn: careful: why\n"]);
  });

  it("turns an accept failure for want of descriptors into one line naming the limit", () => {
    const out: string[] = [];
    const log = createAppLogger("prog", (t) => out.push(t));
    log.emit({
      level: "warn",
      message: "Cannot accept connections on TCP 127.0.0.1:1: EMFILE",
      context: { code: "EMFILE", suppressed: 3 },
    });
    expect(out).toHaveLength(1);
    expect(out[0]).toContain("too many open files (EMFILE; this process may open ");
    expect(out[0]).toContain("(3 more accept failures since the last such line)");
    expect(descriptorLimit()).toMatch(/descriptors$/);
  });
});
