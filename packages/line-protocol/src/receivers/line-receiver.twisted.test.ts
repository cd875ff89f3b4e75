/**
 * LineReceiver against Twisted 22.4: the scenarios of twisted/protocols/test/test_basic.py
 * (LineReceiverTests, LineReceiverLineLengthExceededTests, ProducerTests), restated for lr, and the
 * divergences of issue 13, each with the result Twisted 22.4 gives on the same input.
 */
import { Buffer } from "node:buffer";
import { Clock, StringTransport } from "@lr/testing";
import { describe, expect, it } from "vitest";
import { bytesOf, connect, feed } from "../../test/helpers.js";
import { LineReceiver, NotImplementedError } from "../index.js";

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

/** Feeds `input` in pieces of `size` bytes. */
function feedInPieces(p: { dataReceived(d: Uint8Array): unknown }, input: string, size: number) {
  const bytes = bytesOf(input);
  for (let i = 0; i < bytes.length; i += size) p.dataReceived(bytes.slice(i, i + size));
}

/**
 * The token-driven receiver of Twisted's tests: an empty line switches to raw mode, `len N` sets
 * how many raw bytes to read (appended to the last entry), `pause` / `rawpause` pause until the
 * clock runs, `stop` stops producing, `produce` / `unproduce` (un)register as a producer.
 */
class TokenReceiver extends LineReceiver {
  override delimiter = "\n";
  override MAX_LENGTH = 64;
  received: string[] = [];
  length = 0;
  constructor(readonly clock: Clock | null = null) {
    super();
  }
  override lineReceived(line: string) {
    this.received.push(line);
    if (line === "") this.setRawMode();
    else if (line === "pause") {
      this.pauseProducing();
      this.clock?.callLater(0, () => this.resumeProducing());
    } else if (line === "rawpause") {
      this.pauseProducing();
      this.setRawMode();
      this.received.push("");
      this.clock?.callLater(0, () => this.resumeProducing());
    } else if (line === "stop") this.stopProducing();
    else if (line.startsWith("len ")) this.length = Number(line.slice(4));
    else if (line.startsWith("produce")) this.transport?.registerProducer(this, false);
    else if (line.startsWith("unproduce")) this.transport?.unregisterProducer();
  }
  override rawDataReceived(data: Uint8Array) {
    const used = data.subarray(0, this.length);
    const rest = data.subarray(this.length);
    this.length -= used.length;
    this.received[this.received.length - 1] += latin1(used);
    if (this.length === 0) this.setLineMode(rest);
  }
  override lineLengthExceeded(data: Uint8Array) {
    if (data.length > this.MAX_LENGTH + 1) this.setLineMode(data.subarray(this.MAX_LENGTH + 1));
    return undefined;
  }
}

describe("LineReceiver: Twisted's test_basic scenarios", () => {
  const buffer = [
    "len 10",
    "",
    "0123456789len 5",
    "",
    "1234",
    "len 20",
    "foo 123",
    "",
    "0123456789",
    "012345678len 0",
    "foo 5",
    "",
    "1234567890123456789012345678901234567890123456789012345678901234567890",
    "len 1",
    "",
    "a",
  ].join("\n");
  const output = [
    "len 10",
    "0123456789",
    "len 5",
    "1234\n",
    "len 20",
    "foo 123",
    "0123456789\n012345678",
    "len 0",
    "foo 5",
    "",
    "67890",
    "len 1",
    "a",
  ];

  it("buffer: raw/line switching and an over-long line, in pieces of 1 to 9 bytes", () => {
    for (let size = 1; size < 10; size++) {
      const [p] = connect(new TokenReceiver());
      feedInPieces(p, buffer, size);
      expect(p.received, `pieces of ${size}`).toEqual(output);
    }
  });

  it("pausing: a pause inside lineReceived holds the rest until resumed", () => {
    for (let size = 1; size < 10; size++) {
      const clock = new Clock();
      const [p] = connect(new TokenReceiver(clock));
      feedInPieces(p, "twiddle1\ntwiddle2\npause\ntwiddle3\n", size);
      expect(p.received).toEqual(["twiddle1", "twiddle2", "pause"]);
      clock.advance(0);
      expect(p.received).toEqual(["twiddle1", "twiddle2", "pause", "twiddle3"]);
    }
  });

  it("rawPausing: a pause together with raw mode, resumed by the clock", () => {
    for (let size = 1; size < 10; size++) {
      const clock = new Clock();
      const [p] = connect(new TokenReceiver(clock));
      feedInPieces(p, "twiddle1\ntwiddle2\nlen 5\nrawpause\n12345twiddle3\n", size);
      expect(p.received).toEqual(["twiddle1", "twiddle2", "len 5", "rawpause", ""]);
      clock.advance(0);
      expect(p.received).toEqual([
        "twiddle1",
        "twiddle2",
        "len 5",
        "rawpause",
        "12345",
        "twiddle3",
      ]);
    }
  });

  it("stopProducing: nothing is delivered after stop", () => {
    for (let size = 1; size < 10; size++) {
      const [p] = connect(new TokenReceiver());
      feedInPieces(p, "twiddle1\ntwiddle2\nstop\nmore\nstuff\n", size);
      expect(p.received).toEqual(["twiddle1", "twiddle2", "stop"]);
    }
  });

  it("lineReceiverAsProducer: registering and unregistering itself as a producer mid-read", () => {
    const [p, t] = connect(new TokenReceiver());
    feed(p, "produce\nhello world\nunproduce\ngoodbye\n");
    expect(p.received).toEqual(["produce", "hello world", "unproduce", "goodbye"]);
    expect(t.producer).toBeNull();
  });

  it("clearLineBuffer: called from lineReceived it returns the rest, which is then gone", () => {
    class Clearing extends LineReceiver {
      line = "";
      rest = "";
      override lineReceived(line: string) {
        this.line = line;
        this.rest = latin1(this.clearLineBuffer());
      }
    }
    const [p] = connect(new Clearing());
    feed(p, "foo\r\nbar\r\nbaz");
    expect([p.line, p.rest]).toEqual(["foo", "bar\r\nbaz"]);
    feed(p, "quux\r\n");
    expect([p.line, p.rest]).toEqual(["quux", ""]);
  });

  it("stackRecursion: switching modes thousands of times on one read neither recurses nor loses bytes", () => {
    class Flipping extends LineReceiver {
      override delimiter = "\n";
      lines: string[] = [];
      override lineReceived(line: string) {
        this.lines.push(line);
        this.setRawMode();
      }
      override rawDataReceived(data: Uint8Array) {
        this.setLineMode(data.subarray(1));
      }
    }
    const [p] = connect(new Flipping());
    const limit = 1000; // Python's default recursion limit
    feed(p, "x\nx".repeat(limit));
    expect(p.lines.join("")).toBe("x".repeat(limit));
  });

  it("maximumLineLength: a line over MAX_LENGTH closes the connection", () => {
    class Plain extends LineReceiver {
      override lineReceived() {}
    }
    const [p, t] = connect(new Plain());
    feed(p, `${"x".repeat(p.MAX_LENGTH + 1)}\r\nr`);
    expect(t.disconnecting).toBe(true);
  });

  it("maximumLineLengthPartialDelimiter: a MAX_LENGTH line whose delimiter completes later is accepted", () => {
    const [p, t] = connect(new TokenReceiver());
    p.MAX_LENGTH = 4;
    const line = "x".repeat(3);
    feed(p, line, "", `\n${line}`);
    expect(t.disconnecting).toBe(false);
    expect(p.received).toEqual([line]);
  });

  it("notQuiteMaximumLineLengthUnfinished: MAX_LENGTH bytes and half a delimiter do not close", () => {
    class Plain extends LineReceiver {
      override lineReceived() {}
    }
    const [p, t] = connect(new Plain());
    feed(p, `${"x".repeat(p.MAX_LENGTH)}\r`);
    expect(t.disconnecting).toBe(false);
  });

  it("rawDataError (deviation): a value returned by rawDataReceived is not returned by dataReceived", () => {
    // Twisted returns a truthy return value (e.g. an exception instance) from dataReceived and stops
    // there; lr returns only promises (async handlers), see docs/differences-from-twisted.md.
    class Raw extends LineReceiver {
      override rawDataReceived() {
        return new Error("oops");
      }
    }
    const [p] = connect(new Raw());
    p.setRawMode();
    expect(p.dataReceived(bytesOf("data"))).toBeUndefined();
  });

  it("rawDataReceivedNotImplemented / lineReceivedNotImplemented: the defaults throw", () => {
    const p = new LineReceiver();
    expect(() => p.rawDataReceived(bytesOf("foo"))).toThrow(NotImplementedError);
    expect(() => p.lineReceived("foo")).toThrow(NotImplementedError);
    expect(() => p.lineReceived("foo")).toThrow(
      expect.objectContaining({ code: "ERR_NOT_IMPLEMENTED" }),
    );
  });
});

describe("LineReceiver.lineLengthExceeded: Twisted's test_basic scenarios (MAX_LENGTH 6)", () => {
  class Catcher extends LineReceiver {
    override MAX_LENGTH = 6;
    longLines: string[] = [];
    override lineReceived() {}
    override lineLengthExceeded(data: Uint8Array) {
      this.longLines.push(latin1(data));
      return undefined;
    }
  }
  const excessive = "x".repeat(6 * 2 + 2);

  it("longUnendedLine: all the bytes of an unterminated over-long line are passed", () => {
    const [p] = connect(new Catcher());
    feed(p, excessive);
    expect(p.longLines).toEqual([excessive]);
  });

  it("longLineAfterShortLine: everything after the short line's delimiter is passed", () => {
    const [p] = connect(new Catcher());
    feed(p, `x\r\n${excessive}`);
    expect(p.longLines).toEqual([excessive]);
  });

  it("longLineWithDelimiter: an over-long line, its delimiter and the rest are passed", () => {
    const [p] = connect(new Catcher());
    const input = [excessive, excessive].join("\r\n");
    feed(p, input);
    expect(p.longLines).toEqual([input]);
  });

  it("multipleLongLines: several over-long lines in one read are passed as one piece", () => {
    const [p] = connect(new Catcher());
    const input = `${excessive}\r\n`.repeat(2);
    feed(p, input);
    expect(p.longLines).toEqual([input]);
  });

  it("maximumLineLengthRemaining: an unterminated line of MAX_LENGTH + delimiter bytes closes", () => {
    class Plain extends LineReceiver {
      override lineReceived() {}
    }
    const [p, t] = connect(new Plain());
    feed(p, "x".repeat(p.MAX_LENGTH + 2));
    expect(t.disconnecting).toBe(true);
  });
});

describe("LineReceiver as a producer: Twisted's ProducerTests.test_pauseResume", () => {
  it("a receiver pausing after every line delivers one line per resume", () => {
    class Consuming extends LineReceiver {
      override lineReceived(line: string) {
        this.transport?.write(line);
        this.pauseProducing();
      }
    }
    const transport = new StringTransport();
    const p = new Consuming();
    p.makeConnection(transport);
    const state = () => [transport.text(), transport.producerState, p.paused];

    p.dataReceived(bytesOf("hello, "));
    expect(state()).toEqual(["", "producing", false]);
    p.dataReceived(bytesOf("world\r\n"));
    expect(state()).toEqual(["hello, world", "paused", true]);
    p.resumeProducing();
    expect(state()).toEqual(["hello, world", "producing", false]);
    p.dataReceived(bytesOf("hello\r\nworld\r\n"));
    expect(state()).toEqual(["hello, worldhello", "paused", true]);
    p.resumeProducing();
    expect(state()).toEqual(["hello, worldhelloworld", "paused", true]);
    p.dataReceived(bytesOf("goodbye\r\n"));
    expect(state()).toEqual(["hello, worldhelloworld", "paused", true]);
    p.resumeProducing();
    expect(state()).toEqual(["hello, worldhelloworldgoodbye", "paused", true]);
    p.resumeProducing();
    expect(state()).toEqual(["hello, worldhelloworldgoodbye", "producing", false]);
  });
});

/** Records lines, raw data and over-long lines as [kind, value] (delimiter "\n"). */
class Events extends LineReceiver {
  override delimiter = "\n";
  events: [string, string][] = [];
  onLine: (line: string) => void = () => undefined;
  onRaw: (data: Uint8Array) => void = () => undefined;
  override lineReceived(line: string) {
    this.events.push(["line", line]);
    this.onLine(line);
  }
  override rawDataReceived(data: Uint8Array) {
    this.events.push(["raw", latin1(data)]);
    this.onRaw(data);
  }
  override lineLengthExceeded(data: Uint8Array) {
    this.events.push(["exceeded", latin1(data)]);
    return undefined;
  }
}

describe("LineReceiver: issue 13 divergences, fixed (expected values are Twisted 22.4's)", () => {
  it('setLineMode(extra) from rawDataReceived with nothing buffered delivers at once: ["raw\\n", ";x\\ny\\n"]', () => {
    const [p] = connect(new Events());
    p.onLine = (l) => l === "raw" && p.setRawMode();
    p.onRaw = (d) => {
      const i = d.indexOf(0x3b);
      if (i >= 0) p.setLineMode(d.subarray(i + 1));
    };
    feed(p, "raw\n", ";x\ny\n");
    expect(p.events).toEqual([
      ["line", "raw"],
      ["raw", ";x\ny\n"],
      ["line", "x"],
      ["line", "y"],
    ]);
  });

  it("a delimiter change inside lineReceived applies to the next line of the same read", () => {
    const got: string[] = [];
    class Switch extends LineReceiver {
      override lineReceived(line: string) {
        got.push(line);
        if (line === "switch") this.delimiter = "\n";
      }
    }
    const [p] = connect(new Switch());
    feed(p, "a\r\nswitch\r\nb\nc\r\n");
    expect(got).toEqual(["a", "switch", "b", "c\r"]);
  });

  it("a MAX_LENGTH lowered inside lineReceived applies to the next line of the same read", () => {
    const [p] = connect(new Events());
    p.delimiter = "\r\n";
    p.onLine = (l) => {
      if (l === "low") p.MAX_LENGTH = 3;
    };
    feed(p, "low\r\nlonger\r\nok\r\n");
    expect(p.events).toEqual([
      ["line", "low"],
      ["exceeded", "longer\r\nok\r\n"],
    ]);
  });

  it("lineLengthExceeded gets the whole over-long line received while paused, in pieces", () => {
    const [p, t] = connect(new Events());
    p.MAX_LENGTH = 6;
    p.onLine = (l) => l === "p" && p.pauseProducing();
    feed(p, "p\n", "xxxx", "xxxx", "xx");
    p.resumeProducing();
    expect(p.events).toEqual([
      ["line", "p"],
      ["exceeded", "xxxxxxxxxx"],
    ]);
    expect(t.disconnecting).toBe(false);
  });

  it("lineLengthExceeded gets the whole over-long line fed by re-entrant dataReceived calls", () => {
    const [p] = connect(new Events());
    p.MAX_LENGTH = 6;
    p.onLine = (l) => {
      if (l === "re") for (const c of ["xxxx", "xxxx", "xx"]) p.dataReceived(bytesOf(c));
    };
    feed(p, "re\n");
    expect(p.events).toEqual([
      ["line", "re"],
      ["exceeded", "xxxxxxxxxx"],
    ]);
  });

  it("lineLengthExceeded gets the whole over-long line begun by setLineMode(extra)", () => {
    const [p] = connect(new Events());
    p.MAX_LENGTH = 6;
    p.onLine = (l) => l === "raw" && p.setRawMode();
    p.onRaw = () => p.setLineMode("xxxxx");
    feed(p, "raw\n", "R", "yyyyy");
    expect(p.events).toEqual([
      ["line", "raw"],
      ["raw", "R"],
      ["exceeded", "xxxxxyyyyy"],
    ]);
  });

  it("the default lineReceived throws from dataReceived (the reactor then drops the connection)", () => {
    const [p] = connect(new LineReceiver());
    expect(() => p.dataReceived(bytesOf("a\r\n"))).toThrow(NotImplementedError);
  });
});
