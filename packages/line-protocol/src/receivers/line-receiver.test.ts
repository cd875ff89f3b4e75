import { Buffer } from "node:buffer";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesOf, chunked, chunkingArb, connect, feed } from "../../test/helpers.js";
import { setScanWindowForTesting } from "../decoders/line-decoder.js";
import { BytesLineOnlyReceiver, BytesLineReceiver, LineReceiver } from "../index.js";

type Event = [kind: string, value: string];
const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

/** Records every callback as [kind, value]. */
class Recorder extends LineReceiver {
  events: Event[] = [];
  onLine: (line: string) => void = () => undefined;
  onRaw: (data: Uint8Array) => void = () => undefined;
  override lineReceived(line: string) {
    this.events.push(["line", line]);
    this.onLine(line);
  }
  override rawDataReceived(data: Uint8Array) {
    this.events.push(["raw", text(data)]);
    this.onRaw(data);
  }
  override lineLengthExceeded(data: Uint8Array) {
    this.events.push(["exceeded", text(data)]);
    super.lineLengthExceeded(data);
  }
}

function lineReceiverSuite(window: number) {
  describe(`LineReceiver (Twisted's table; scan window ${window} bytes)`, () => {
    beforeAll(() => setScanWindowForTesting(window));
    afterAll(() => setScanWindowForTesting(32 * 1024));

    const cases: [string, string[], Event[], number?][] = [
      ["line split across reads", ["ab", "c\r\n"], [["line", "abc"]]],
      [
        "delimiter split across reads",
        ["abc\r", "\ndef\r\n"],
        [
          ["line", "abc"],
          ["line", "def"],
        ],
      ],
      [
        "empty lines",
        ["\r\n\r\n"],
        [
          ["line", ""],
          ["line", ""],
        ],
      ],
      ["lone LF", ["a\nb\r\n"], [["line", "a\nb"]]],
      ["lone CR", ["a\rb\r\n"], [["line", "a\rb"]]],
      [
        "MAX+1 then more lines: exceeded(line+delim+rest)",
        ["123456789\r\nnext\r\n"],
        [["exceeded", "123456789\r\nnext\r\n"]],
        8,
      ],
      // Twisted waits for MAX_LENGTH + len(delimiter) bytes before judging an unterminated line.
      ["MAX+1 split from its delimiter", ["123456789", "\r\n"], [["exceeded", "123456789\r\n"]], 8],
      [
        "a good line then a long one",
        ["12345678\r\n123456789\r\nz\r\n"],
        [
          ["line", "12345678"],
          ["exceeded", "123456789\r\nz\r\n"],
        ],
        8,
      ],
    ];
    for (const [name, chunks, expected, max] of cases) {
      it(name, () => {
        const [p] = connect(new Recorder());
        if (max !== undefined) p.MAX_LENGTH = max;
        feed(p, ...chunks);
        expect(p.events).toEqual(expected);
      });
    }

    it("accepts exactly MAX_LENGTH, also with CR and LF in separate reads; rejects MAX+1 and closes", () => {
      const [p, t] = connect(new Recorder());
      const max = "x".repeat(16384);
      feed(p, `${max}\r\n`, `${max}\r`, "\n");
      expect(p.events).toEqual([
        ["line", max],
        ["line", max],
      ]);
      expect(t.disconnecting).toBe(false);
      feed(p, `${max}x\r\n`);
      expect(p.events[2]?.[0]).toBe("exceeded");
      expect(t.disconnecting).toBe(true);
    });

    it("MAX+1 without a delimiter is rejected as soon as it is certain", () => {
      const [p, t] = connect(new Recorder());
      feed(p, "x".repeat(16384), "\r");
      expect(t.disconnecting).toBe(false);
      feed(p, "x");
      expect(p.events).toEqual([["exceeded", `${"x".repeat(16384)}\rx`]]);
      expect(t.disconnecting).toBe(true);
    });

    it("stops delivering once lineReceived closes the connection", () => {
      const [p] = connect(new Recorder());
      p.onLine = (l) => l === "quit" && p.transport?.loseConnection();
      feed(p, "a\r\nquit\r\nb\r\nc\r\n", "d\r\n");
      expect(p.events).toEqual([
        ["line", "a"],
        ["line", "quit"],
      ]);
    });

    it("setRawMode inside lineReceived hands the rest to rawDataReceived in the same call", () => {
      const [p] = connect(new Recorder());
      p.onLine = (l) => l === "raw" && p.setRawMode();
      feed(p, "a\r\nraw\r\nb\r\nc\r\n");
      expect(p.events).toEqual([
        ["line", "a"],
        ["line", "raw"],
        ["raw", "b\r\nc\r\n"],
      ]);
      feed(p, "more");
      expect(p.events.at(-1)).toEqual(["raw", "more"]);
    });

    it("setLineMode(extra) from rawDataReceived decodes the extra bytes as lines, in order", () => {
      const [p] = connect(new Recorder());
      p.setRawMode();
      p.onRaw = (data) => {
        const i = data.indexOf(0x3b); // ';'
        if (i >= 0) p.setLineMode(data.subarray(i + 1));
      };
      feed(p, "RAW;x\r\ny\r\n", "z\r\n");
      expect(p.events).toEqual([
        ["raw", "RAW;x\r\ny\r\n"],
        ["line", "x"],
        ["line", "y"],
        ["line", "z"],
      ]);
    });

    it("setLineMode() without extra: the rest of the raw chunk is gone, later data is lines", () => {
      const [p] = connect(new Recorder());
      p.setRawMode();
      p.onRaw = () => p.setLineMode();
      feed(p, "abc\r\n", "d\r\n");
      expect(p.events).toEqual([
        ["raw", "abc\r\n"],
        ["line", "d"],
      ]);
    });

    it("pauseProducing in lineReceived holds the rest until resumeProducing", () => {
      const [p, t] = connect(new Recorder());
      p.onLine = (l) => l === "pause" && p.pauseProducing();
      feed(p, "a\r\npause\r\nb\r\nc\r\n", "d\r\n");
      expect(p.events).toEqual([
        ["line", "a"],
        ["line", "pause"],
      ]);
      expect(t.producerState).toBe("paused");
      p.resumeProducing();
      expect(t.producerState).toBe("producing");
      expect(p.events.map((e) => e[1])).toEqual(["a", "pause", "b", "c", "d"]);
    });

    it("raw data received while paused is delivered, in one piece, on resume", () => {
      const [p] = connect(new Recorder());
      p.onLine = (l) => {
        if (l === "raw") {
          p.setRawMode();
          p.pauseProducing();
        }
      };
      feed(p, "raw\r\nabc", "def");
      expect(p.events).toEqual([["line", "raw"]]);
      p.resumeProducing();
      expect(p.events).toEqual([
        ["line", "raw"],
        ["raw", "abcdef"],
      ]);
    });

    it("an over-long line hands the whole rest of the read to lineLengthExceeded", () => {
      const [p, t] = connect(new Recorder());
      p.MAX_LENGTH = 4;
      feed(p, "ok\r\ntoolong\r\nnext\r\nlast\r\n");
      expect(p.events).toEqual([
        ["line", "ok"],
        ["exceeded", "toolong\r\nnext\r\nlast\r\n"],
      ]);
      expect(t.disconnecting).toBe(true);
    });

    it("a re-entrant dataReceived keeps FIFO order", () => {
      const [p] = connect(new Recorder());
      p.onLine = (l) => l === "re" && p.dataReceived(bytesOf("inner\r\n"));
      feed(p, "re\r\nafter\r\n");
      expect(p.events.map((e) => e[1])).toEqual(["re", "after", "inner"]);
    });

    it("clearLineBuffer returns and forgets the partial line", () => {
      const [p] = connect(new Recorder());
      feed(p, "a\r\npart");
      expect(text(p.clearLineBuffer())).toBe("part");
      feed(p, "ial\r\n");
      expect(p.events.map((e) => e[1])).toEqual(["a", "ial"]);
    });

    it("clearLineBuffer inside lineReceived takes the rest of the buffer; nothing more is delivered from it", () => {
      const [p] = connect(new Recorder());
      let cleared = "";
      p.onLine = (l) => {
        if (l === "clear") cleared = text(p.clearLineBuffer());
      };
      feed(p, "a\r\nclear\r\nb\r\nc", "\r\nd\r\n");
      expect(cleared).toBe("b\r\nc");
      expect(p.events.map((e) => e[1])).toEqual(["a", "clear", "", "d"]);
    });

    it("honours a MAX_LENGTH set after connecting and a custom delimiter", () => {
      const [p, t] = connect(new Recorder());
      p.delimiter = "\n";
      p.MAX_LENGTH = 3;
      feed(p, "abc\r\n");
      expect(p.events).toEqual([["exceeded", "abc\r\n"]]);
      expect(t.disconnecting).toBe(true);
    });

    it("decodes UTF-8 split across reads; sendLine writes line + delimiter", () => {
      const [p, t] = connect(new Recorder());
      const bytes = bytesOf("héllo 🎉\r\n");
      for (const b of bytes) p.dataReceived(Uint8Array.of(b));
      expect(p.events).toEqual([["line", "héllo 🎉"]]);
      p.sendLine("ünï");
      p.sendLine(bytesOf("raw"));
      expect(t.text()).toBe("ünï\r\nraw\r\n");
    });

    it("returns the promise of an async lineReceived so the reactor sees a rejection", async () => {
      class Async extends LineReceiver {
        override async lineReceived(line: string) {
          if (line === "bad") throw new Error("bad line");
        }
      }
      const [p] = connect(new Async());
      expect(p.dataReceived(bytesOf("ok\r\n"))).toBeInstanceOf(Promise);
      await expect(p.dataReceived(bytesOf("bad\r\n")) as Promise<unknown>).rejects.toThrow(
        "bad line",
      );
    });

    it("BytesLineReceiver delivers Uint8Array lines", () => {
      const lines: Uint8Array[] = [];
      class B extends BytesLineReceiver {
        override lineReceived(line: Uint8Array) {
          lines.push(line);
        }
      }
      const [p] = connect(new B());
      feed(p, "a\xffb\r\n");
      expect(lines).toEqual([bytesOf("a\xffb")]);
    });

    it("property: any chunking gives the same lines (strings and bytes)", () => {
      fc.assert(
        fc.property(
          fc
            .array(fc.constantFrom("a", "é", "\r", "\n", "\r\n", "🎉"), { maxLength: 80 })
            .map((a) => a.join("")),
          chunkingArb,
          (input, cuts) => {
            const bytes = bytesOf(input);
            const expected = input.split("\r\n").slice(0, -1);
            const got: string[] = [];
            const gotBytes: string[] = [];
            class S extends LineReceiver {
              override lineReceived(line: string) {
                got.push(line);
              }
            }
            class B extends BytesLineOnlyReceiver {
              override lineReceived(line: Uint8Array) {
                gotBytes.push(Buffer.from(line).toString("utf8"));
              }
            }
            const [s] = connect(new S());
            const [b] = connect(new B());
            for (const c of chunked(bytes, cuts)) {
              s.dataReceived(c);
              b.dataReceived(c);
            }
            expect(got).toEqual(expected);
            expect(gotBytes).toEqual(expected);
          },
        ),
        { numRuns: 300 },
      );
    });

    it("property: random raw/line switches deliver every byte exactly once, in order", () => {
      fc.assert(
        fc.property(
          fc
            .array(fc.constantFrom("ab", "\r\n", "c", "\r", "\n"), { maxLength: 60 })
            .map((a) => a.join("")),
          chunkingArb,
          fc.array(fc.nat(5), { minLength: 1, maxLength: 10 }),
          (input, cuts, plan) => {
            // Reassemble what was delivered: lines get their delimiter back, raw data as is.
            let out = "";
            let k = 0;
            class Switcher extends LineReceiver {
              override lineReceived(line: string) {
                out += `${line}\r\n`;
                if ((plan[k++ % plan.length] ?? 0) === 0) this.setRawMode();
              }
              override rawDataReceived(data: Uint8Array) {
                const step = plan[k++ % plan.length] ?? 0;
                if (step < 2) {
                  // Back to line mode, giving back an unused tail.
                  const used = Math.min(step, data.length);
                  out += text(data.subarray(0, used));
                  this.setLineMode(data.subarray(used));
                } else out += text(data);
              }
            }
            const [p] = connect(new Switcher());
            p.MAX_LENGTH = 1e9;
            for (const c of chunked(bytesOf(input), cuts)) p.dataReceived(c);
            out += text(p.clearLineBuffer());
            expect(out).toBe(input);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
}

lineReceiverSuite(32 * 1024);
lineReceiverSuite(3);

// Divergences the Twisted oracle (tooling/twisted-oracle) found; each expected value is what
// Twisted 22.4's LineReceiver gives for the same calls.
describe("LineReceiver, as Twisted 22.4 (found by the oracle)", () => {
  it("judges a held unterminated line again on an empty read after MAX_LENGTH was lowered", () => {
    const [p, t] = connect(new Recorder());
    p.MAX_LENGTH = 10;
    feed(p, "xxxxxxxx");
    p.MAX_LENGTH = 4;
    feed(p, "");
    expect(p.events).toEqual([["exceeded", "xxxxxxxx"]]);
    expect(t.disconnecting).toBe(true);
  });

  it("waits for MAX_LENGTH + len(delimiter) bytes before rejecting an unterminated line", () => {
    const [raw] = connect(new Recorder());
    raw.MAX_LENGTH = 8;
    feed(raw, "123456789");
    raw.setRawMode();
    feed(raw, "x");
    expect(raw.events).toEqual([["raw", "123456789x"]]);
    const [raised, t] = connect(new Recorder());
    raised.MAX_LENGTH = 8;
    feed(raised, "123456789");
    raised.MAX_LENGTH = 9;
    feed(raised, "\r\n");
    expect(raised.events).toEqual([["line", "123456789"]]);
    expect(t.disconnecting).toBe(false);
  });

  it("a delimiter changed with setLineMode(extra) inside lineReceived splits the rest of the read", () => {
    const [p] = connect(new Recorder());
    p.MAX_LENGTH = 100;
    p.onLine = (line) => {
      if (line !== "a") return;
      p.delimiter = "|";
      p.setLineMode("e|f");
    };
    feed(p, "a\r\nb|c|d\r\n");
    expect(p.events).toEqual([
      ["line", "a"],
      ["line", "b"],
      ["line", "c"],
      ["line", "d\r\ne"],
    ]);
    expect(text(p.clearLineBuffer())).toBe("f");
  });

  it("a MAX_LENGTH lowered with setLineMode(extra) inside lineReceived applies to the next line", () => {
    const [p] = connect(new Recorder());
    p.MAX_LENGTH = 100;
    p.onLine = (line) => {
      if (line !== "a") return;
      p.MAX_LENGTH = 1;
      p.setLineMode("x");
    };
    feed(p, "a\r\nbb\r\nc\r\n");
    expect(p.events).toEqual([
      ["line", "a"],
      ["exceeded", "bb\r\nc\r\nx"],
    ]);
  });

  it("passes the whole held line to lineLengthExceeded when its delimiter was split across reads", () => {
    const [p] = connect(new Recorder());
    p.MAX_LENGTH = 10;
    feed(p, "abcdef\r");
    p.MAX_LENGTH = 3;
    feed(p, "\nrest");
    expect(p.events).toEqual([["exceeded", "abcdef\r\nrest"]]);
  });
});
