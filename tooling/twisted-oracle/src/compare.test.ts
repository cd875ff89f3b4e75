import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareTraces } from "./compare.js";
import type { Subject } from "./subject.js";

const subject = (approx: boolean): Subject<null> => ({
  name: "t",
  title: "T",
  module: "time",
  pySubject: "t",
  arbitrary: fc.constant(null),
  runLr: () => ({ events: [] }),
  approx,
  rules: [
    {
      id: "promise-settles-later",
      rewrite: (_p, twisted, lr) => ({
        twisted: twisted.events.filter((e) => e[0] !== "settled"),
        lr: lr.events.filter((e) => e[0] !== "settled"),
      }),
    },
  ],
});

describe("compareTraces", () => {
  it("agrees on identical traces", () => {
    expect(
      compareTraces(subject(false), null, { events: [["a", 1]] }, { events: [["a", 1]] }),
    ).toEqual({
      kind: "agree",
    });
  });

  it("counts a difference a documented rule explains as documented, not as agreement", () => {
    const v = compareTraces(
      subject(false),
      null,
      { events: [["settled"], ["a"]] },
      { events: [["a"], ["settled"]] },
    );
    expect(v).toEqual({ kind: "documented", rules: ["promise-settles-later"] });
  });

  it("reports a difference no rule explains", () => {
    const v = compareTraces(subject(false), null, { events: [["a", 1]] }, { events: [["a", 2]] });
    expect(v.kind).toBe("divergent");
  });

  it("rejects a Twisted-side deviation that is not documented", () => {
    const v = compareTraces(
      subject(false),
      null,
      { events: [], deviations: ["no-such-rule"] },
      { events: [] },
    );
    expect(v.kind).toBe("divergent");
  });

  it("compares numbers with a relative tolerance only when the subject asks for it", () => {
    const t = { events: [["d", 2686.4999999999995]] };
    const l = { events: [["d", 2686.5]] };
    expect(compareTraces(subject(true), null, t, l).kind).toBe("agree");
    expect(compareTraces(subject(false), null, t, l).kind).toBe("divergent");
    expect(compareTraces(subject(true), null, t, { events: [["d", 2687]] }).kind).toBe("divergent");
  });
});
