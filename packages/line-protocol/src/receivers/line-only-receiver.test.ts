import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { connect, feed } from "../../test/helpers.js";
import { BytesLineOnlyReceiver, LineOnlyReceiver } from "../index.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

describe("LineOnlyReceiver", () => {
  class Lines extends LineOnlyReceiver {
    lines: string[] = [];
    exceeded: string[] = [];
    override lineReceived(line: string) {
      this.lines.push(line);
      if (line === "quit") this.transport?.loseConnection();
    }
    override lineLengthExceeded(data: Uint8Array) {
      this.exceeded.push(text(data));
      super.lineLengthExceeded(data);
    }
  }

  it("splits lines, including split delimiters and empty lines", () => {
    const [p] = connect(new Lines());
    feed(p, "a\r", "\n\r\nb", "c\r\n");
    expect(p.lines).toEqual(["a", "", "bc"]);
  });

  it("accepts a line of exactly MAX_LENGTH when CR and LF arrive in different reads (unlike Twisted)", () => {
    const [p, t] = connect(new Lines());
    const max = "y".repeat(16384);
    feed(p, `${max}\r`, "\n");
    expect(p.lines).toEqual([max]);
    expect(t.disconnecting).toBe(false);
  });

  it("rejects MAX_LENGTH + 1 with and without a delimiter", () => {
    const [a, ta] = connect(new Lines());
    a.MAX_LENGTH = 4;
    feed(a, "12345\r\nok\r\n");
    expect(a.exceeded).toEqual(["12345\r\nok\r\n"]);
    expect(a.lines).toEqual([]);
    expect(ta.disconnecting).toBe(true);
    const [b, tb] = connect(new Lines());
    b.MAX_LENGTH = 4;
    feed(b, "12345");
    expect(b.exceeded).toEqual(["12345"]);
    expect(tb.disconnecting).toBe(true);
  });

  it("judges a held line again on an empty read after MAX_LENGTH was lowered (as Twisted 22.4)", () => {
    const [p, t] = connect(new Lines());
    p.MAX_LENGTH = 10;
    feed(p, "xxxxxx");
    p.MAX_LENGTH = 4;
    feed(p, "");
    expect(p.exceeded).toEqual(["xxxxxx"]);
    expect(t.disconnecting).toBe(true);
  });

  it("delivers nothing after the transport starts disconnecting", () => {
    const [p] = connect(new Lines());
    feed(p, "a\r\nquit\r\nb\r\n", "c\r\n");
    expect(p.lines).toEqual(["a", "quit"]);
  });

  it("sendLine uses one write", () => {
    const [p, t] = connect(new Lines());
    p.sendLine("finished");
    expect(t.text()).toBe("finished\r\n");
  });

  it("BytesLineOnlyReceiver delivers Uint8Array lines", () => {
    const got: string[] = [];
    class B extends BytesLineOnlyReceiver {
      override lineReceived(line: Uint8Array) {
        got.push(text(line));
      }
    }
    const [p] = connect(new B());
    feed(p, "x\r\ny", "\r\n");
    expect(got).toEqual(["x", "y"]);
  });
});
