import { describe, expect, it } from "vitest";
import { bytesOf, connect } from "../../test/helpers.js";
import {
  encodeLengthPrefixed,
  Int8StringReceiver,
  Int16StringReceiver,
  Int32StringReceiver,
  IntNStringReceiver,
  NetstringReceiver,
  type PrefixLength,
  StringTooLongError,
} from "../index.js";

const str = (b: Uint8Array) => Buffer.from(b).toString();

class Net extends NetstringReceiver {
  got: string[] = [];
  override stringReceived(s: Uint8Array) {
    this.got.push(str(s));
    if (str(s) === "pause") this.pauseProducing();
  }
}

describe("NetstringReceiver", () => {
  it("receives and sends netstrings", () => {
    const [p, t] = connect(new Net());
    p.dataReceived(bytesOf("5:hello,0:,"));
    expect(p.got).toEqual(["hello", ""]);
    p.sendString("héllo");
    expect(t.text()).toBe("6:héllo,");
  });

  it("closes and sets brokenPeer on malformed input", () => {
    const [p, t] = connect(new Net());
    p.dataReceived(bytesOf("1:a,03:abc,"));
    expect(p.got).toEqual(["a"]);
    expect(p.brokenPeer).toBe(true);
    expect(t.disconnecting).toBe(true);
  });

  it("rejects a length over MAX_LENGTH before the colon arrives", () => {
    const [p, t] = connect(new Net());
    p.MAX_LENGTH = 10;
    p.dataReceived(bytesOf("11"));
    expect(t.disconnecting).toBe(true);
  });

  it("pauses mid-buffer and drains on resume", () => {
    const [p] = connect(new Net());
    p.dataReceived(bytesOf("1:a,5:pause,1:b,"));
    p.dataReceived(bytesOf("1:c,"));
    expect(p.got).toEqual(["a", "pause"]);
    p.resumeProducing();
    expect(p.got).toEqual(["a", "pause", "b", "c"]);
  });
});

describe("IntNStringReceiver", () => {
  it("Int8/Int16/Int32StringReceiver use 1, 2 and 4-byte prefixes", () => {
    expect(
      [new Int8StringReceiver(), new Int16StringReceiver(), new Int32StringReceiver()].map(
        (p) => p.prefixLength,
      ),
    ).toEqual([1, 2, 4]);
  });

  for (const n of [1, 2, 4] as const) {
    it(`${n}-byte prefix: receive, send, MAX_LENGTH, StringTooLongError`, () => {
      const got: string[] = [];
      const limits: number[] = [];
      class P extends IntNStringReceiver {
        readonly prefixLength: PrefixLength = n;
        override stringReceived(s: Uint8Array) {
          got.push(str(s));
        }
        override lengthLimitExceeded(length: number) {
          limits.push(length);
          return super.lengthLimitExceeded(length);
        }
      }
      const [p, t] = connect(new P());
      const wire = Buffer.concat([encodeLengthPrefixed("ab", n), encodeLengthPrefixed("", n)]);
      for (const b of wire) p.dataReceived(Uint8Array.of(b));
      expect(got).toEqual(["ab", ""]);
      p.sendString("xyz");
      expect(t.value()).toEqual(Buffer.from(encodeLengthPrefixed("xyz", n)));
      // (a 4 GiB payload is not allocated here; the encoder's limit check is the same code)
      if (n < 4)
        expect(() => p.sendString(new Uint8Array(2 ** (8 * n)))).toThrow(StringTooLongError);
      p.MAX_LENGTH = 3;
      p.dataReceived(encodeLengthPrefixed("abcd", n));
      expect(limits).toEqual([4]);
      expect(t.disconnecting).toBe(true);
    });
  }
});
