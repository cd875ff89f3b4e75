/**
 * LineOnlyReceiver against Twisted 22.4: the scenarios of twisted/protocols/test/test_basic.py
 * (LineOnlyReceiverTests) restated for lr, and how settings changed inside `lineReceived` apply,
 * with the results Twisted 22.4 gives on the same input.
 */
import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { bytesOf, connect, feed } from "../../test/helpers.js";
import { LineOnlyReceiver, NotImplementedError } from "../index.js";

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

class Buffering extends LineOnlyReceiver {
  override delimiter = "\n";
  override MAX_LENGTH = 64;
  received: string[] = [];
  override lineReceived(line: string) {
    this.received.push(line);
  }
}

describe("LineOnlyReceiver: Twisted's test_basic scenarios", () => {
  it("buffer: lines fed one byte at a time", () => {
    const input = "foo\n    bleakness\n    desolation\n    plastic forks\n    ";
    const [p] = connect(new Buffering());
    for (const b of bytesOf(input)) p.dataReceived(Uint8Array.of(b));
    expect(p.received).toEqual(input.split("\n").slice(0, -1));
  });

  it("greaterThanMaximumLineLength: a line over MAX_LENGTH + delimiter closes the connection", () => {
    const [p, t] = connect(new Buffering());
    feed(p, `${"x".repeat(p.MAX_LENGTH + p.delimiter.length + 1)}\r\nr`);
    expect(t.disconnecting).toBe(true);
  });

  it("lineReceivedNotImplemented: the default lineReceived throws", () => {
    expect(() => new LineOnlyReceiver().lineReceived("foo")).toThrow(NotImplementedError);
    const [p] = connect(new LineOnlyReceiver());
    expect(() => p.dataReceived(bytesOf("a\r\n"))).toThrow(NotImplementedError);
  });
});

describe("LineOnlyReceiver: settings changed inside lineReceived (expected values are Twisted 22.4's)", () => {
  it("MAX_LENGTH applies to the next line of the same read; delimiter only from the next read", () => {
    const events: string[] = [];
    class Switch extends LineOnlyReceiver {
      override lineReceived(line: string) {
        events.push(line);
        if (line === "switch") {
          this.delimiter = "\n";
          this.MAX_LENGTH = 3;
        }
      }
      override lineLengthExceeded(data: Uint8Array) {
        events.push(`exceeded ${latin1(data).split("\r\n")[0]}`);
        return undefined;
      }
    }
    const [p, t] = connect(new Switch());
    feed(p, "a\r\nswitch\r\nb\nc\r\nlonger\r\n");
    // Twisted 22.4: [a, switch, "b\nc", exceeded with "longer"], connection kept.
    expect(events).toEqual(["a", "switch", "b\nc", "exceeded longer"]);
    expect(t.disconnecting).toBe(false);
    events.length = 0;
    p.MAX_LENGTH = 16;
    feed(p, "d\ne\n");
    expect(events).toEqual(["d", "e"]);
  });
});
