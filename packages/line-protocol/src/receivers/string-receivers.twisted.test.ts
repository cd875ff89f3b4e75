/**
 * NetstringReceiver and Int8/16/32StringReceiver against Twisted 22.4: the scenarios of
 * twisted/protocols/test/test_basic.py (NetstringReceiverTests, IntNTestCaseMixin,
 * RecvdAttributeMixin, Int32/16/8Tests) restated for lr, and the issue 13 divergences with the
 * results Twisted 22.4 gives on the same input.
 */
import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { bytesOf, connect } from "../../test/helpers.js";
import {
  encodeLengthPrefixed,
  Int8StringReceiver,
  Int16StringReceiver,
  Int32StringReceiver,
  type IntNStringReceiver,
  NetstringReceiver,
  NotImplementedError,
  StringTooLongError,
} from "../index.js";

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");
const bin = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));

/** Feeds every byte of `input` in its own call. */
function byteByByte(p: { dataReceived(d: Uint8Array): unknown }, input: Uint8Array) {
  for (const b of input) p.dataReceived(Uint8Array.of(b));
}

class TestNetstring extends NetstringReceiver {
  override MAX_LENGTH = 50;
  received: string[] = [];
  override stringReceived(s: Uint8Array) {
    this.received.push(latin1(s));
    this.transport?.write(s);
  }
}

describe("NetstringReceiver: Twisted's test_basic scenarios", () => {
  const strings = ["hello", "world", "how", "are", "you123", ":today", "a".repeat(515)];
  const illegal = ["9999999999999999999999", "abc", "4:abcde", `51:${"a".repeat(50)}b,`];

  it("illegal: each malformed input, fed byte by byte, closes the connection", () => {
    for (const s of illegal) {
      const [p, t] = connect(new TestNetstring());
      byteByByte(p, bin(s));
      expect(t.disconnecting, s).toBe(true);
    }
  });

  it("buffer: strings sent then received in pieces of 1 to 9 bytes", () => {
    for (let size = 1; size < 10; size++) {
      const [p, t] = connect(new TestNetstring());
      p.MAX_LENGTH = 699;
      for (const s of strings) p.sendString(s);
      const out = t.value();
      t.clear();
      for (let i = 0; i < out.length; i += size) p.dataReceived(out.subarray(i, i + size));
      expect(p.received).toEqual(strings);
    }
  });

  const one = (input: string) => {
    const [p, t] = connect(new TestNetstring());
    p.dataReceived(bin(input));
    return { received: p.received, closed: t.disconnecting };
  };

  it("receiveEmptyNetstring / OneCharacter / TwoCharacters / NestedNetstring", () => {
    expect(one("0:,").received).toEqual([""]);
    expect(one("1:a,").received).toEqual(["a"]);
    expect(one("2:ab,").received).toEqual(["ab"]);
    expect(one("4:1:a,,").received).toEqual(["1:a,"]);
  });

  it("moreDataThanSpecified (and its border case), missingNumber, missingColon, missingNumberAndColon, onlyData: close", () => {
    for (const s of ["2:aaa,", "0:a,", ":aaa,", "3aaa,", "aaa,", "aaa"])
      expect(one(s).closed, s).toBe(true);
  });

  it("receiveNetstringPortions_1/_2/_3: a netstring in two, four and five portions", () => {
    for (const parts of [
      ["4:aa", "aa,"],
      ["1", "0:01234", "56789", ","],
      ["2", ":", "a", "b", ","],
    ]) {
      const [p] = connect(new TestNetstring());
      for (const part of parts) p.dataReceived(bin(part));
      expect(p.received).toEqual([parts.join("").replace(/^\d+:|,$/g, "")]);
    }
  });

  it("receiveTwoNetstrings: the second's length arrives with the first", () => {
    const [p] = connect(new TestNetstring());
    p.dataReceived(bin("1:a,1"));
    expect(p.received).toEqual(["a"]);
    p.dataReceived(bin(":b,"));
    expect(p.received).toEqual(["a", "b"]);
  });

  it("maxReceiveLimit: a length over MAX_LENGTH closes the connection", () => {
    const [p, t] = connect(new TestNetstring());
    const tooLong = p.MAX_LENGTH + 1;
    p.dataReceived(bin(`${tooLong}:${"a".repeat(tooLong)}`));
    expect(t.disconnecting).toBe(true);
  });

  it("consumeLength and its border cases: a length equal to MAX_LENGTH is accepted, one more is not", () => {
    const payload = "x".repeat(12);
    const run = (max: number, input: string) => {
      const [p, t] = connect(new TestNetstring());
      p.MAX_LENGTH = max;
      p.dataReceived(bin(input));
      return [p.received.length, t.disconnecting];
    };
    expect(run(99999, `12:${payload},`)).toEqual([1, false]);
    expect(run(12, `12:${payload},`)).toEqual([1, false]);
    expect(run(11, "12:")).toEqual([0, true]);
    expect(run(11, "1000:")).toEqual([0, true]);
  });

  it("stringReceivedNotImplemented: the default stringReceived throws", () => {
    expect(() => new NetstringReceiver().stringReceived(bytesOf("foo"))).toThrow(
      NotImplementedError,
    );
  });
});

type Ctor = new () => IntNStringReceiver;
const variants: [string, Ctor, { illegal: string[]; partial: string[] }][] = [
  [
    "Int32",
    Int32StringReceiver,
    { illegal: ["\x10\x00\x00\x00aaaaaa"], partial: ["\x00\x00\x00", "hello there", ""] },
  ],
  [
    "Int16",
    Int16StringReceiver,
    { illegal: ["\x10\x00aaaaaa"], partial: ["\x00", "hello there", ""] },
  ],
  ["Int8", Int8StringReceiver, { illegal: ["\x00\x00aaaaaa"], partial: ["\x08", "dzadz", ""] }],
];

for (const [name, Base, data] of variants) {
  class Recording extends (Base as typeof Int32StringReceiver) {
    override MAX_LENGTH = 50;
    received: string[] = [];
    onString: ((s: Uint8Array) => void) | null = null;
    onLimit: ((length: number) => void) | null = null;
    override stringReceived(s: Uint8Array) {
      this.received.push(latin1(s));
      this.onString?.(s);
    }
    override lengthLimitExceeded(length: number) {
      if (this.onLimit !== null) this.onLimit(length);
      else super.lengthLimitExceeded(length);
      return undefined;
    }
  }
  const make = () => connect(new Recording());
  const message = (p: IntNStringReceiver, payload: string) =>
    encodeLengthPrefixed(bin(payload), p.prefixLength);

  describe(`${name}StringReceiver: Twisted's test_basic scenarios`, () => {
    const strings = ["a", "b".repeat(16)];

    it("illegal: a too-long prefix, fed byte by byte, closes the connection", () => {
      for (const s of data.illegal) {
        const [p, t] = make();
        byteByByte(p, bin(s));
        expect(t.disconnecting).toBe(true);
      }
    });

    it("receive: strings fed byte by byte", () => {
      const [p] = make();
      for (const s of strings) byteByByte(p, message(p, s));
      expect(p.received).toEqual(strings);
    });

    it("partial: incomplete frames deliver nothing", () => {
      for (const s of data.partial) {
        const [p] = make();
        byteByByte(p, bin(s));
        expect(p.received).toEqual([]);
      }
    });

    it("send: the prefix then the payload", () => {
      const [p, t] = make();
      p.sendString("b".repeat(16));
      expect(t.value()).toEqual(Buffer.from(message(p, "b".repeat(16))));
    });

    it("lengthLimitExceeded: called with the announced length", () => {
      const [p] = make();
      const lengths: number[] = [];
      p.onLimit = (n) => lengths.push(n);
      p.MAX_LENGTH = 10;
      p.dataReceived(message(p, "x".repeat(11)).subarray(0, p.prefixLength));
      expect(lengths).toEqual([11]);
    });

    it("longStringNotDelivered: a too-long string arriving whole is not delivered", () => {
      const [p] = make();
      p.MAX_LENGTH = 10;
      p.dataReceived(message(p, "x".repeat(11)));
      expect(p.received).toEqual([]);
    });

    it("stringReceivedNotImplemented: the default stringReceived throws", () => {
      expect(() => new Base().stringReceived(bytesOf("foo"))).toThrow(NotImplementedError);
    });

    it("recvdContainsRemainingData: inside stringReceived, recvd is what follows the string", () => {
      const [p] = make();
      const seen: string[] = [];
      p.onString = () => seen.push(latin1(p.recvd));
      const incomplete = latin1(message(p, "bbbbb")).slice(0, -1);
      p.dataReceived(bin(latin1(message(p, "aaaaa")) + incomplete));
      expect(seen).toEqual([incomplete]);
    });

    it("recvdChanged: parsing goes on from bytes assigned to recvd", () => {
      const [p] = make();
      const messageC = message(p, "ccccc");
      p.onString = () => {
        if (p.received.length === 1) p.recvd = messageC;
      };
      p.dataReceived(bin(latin1(message(p, "aaaaa")) + latin1(message(p, "bbbbb"))));
      expect(p.received).toEqual(["aaaaa", "ccccc"]);
    });

    it("switching: bytes consumed from recvd by stringReceived are not parsed again", () => {
      const [p] = make();
      const SWITCH = "\x00\x00\x00\x00";
      p.onString = () => {
        p.recvd = p.recvd.subarray(SWITCH.length);
      };
      p.dataReceived(bin(strings.map((s) => latin1(message(p, s)) + SWITCH).join("")));
      p.dataReceived(Uint8Array.of(1));
      expect(p.received).toEqual(strings);
      expect(p.recvd).toEqual(Uint8Array.of(1));
    });

    it("recvdInLengthLimitExceeded: recvd holds the too-long frame from its prefix on", () => {
      const [p] = make();
      const DATA = "too long";
      p.MAX_LENGTH = DATA.length - 1;
      const result: unknown[] = [];
      p.onLimit = (n) => result.push(n, latin1(p.recvd));
      const msg = message(p, DATA);
      p.dataReceived(msg);
      expect(result).toEqual([DATA.length, latin1(msg)]);
    });

    it("data: the exact wire bytes", () => {
      const [p, t] = make();
      p.sendString("foo");
      const prefix = { 1: "\x03", 2: "\x00\x03", 4: "\x00\x00\x00\x03" }[p.prefixLength];
      expect(latin1(t.value())).toBe(`${prefix}foo`);
      p.dataReceived(bin(`${prefix?.slice(0, -1)}\x04ubar`));
      expect(p.received).toEqual(["ubar"]);
    });

    if (name !== "Int32")
      it("tooLongSend: a string that does not fit the prefix throws StringTooLongError", () => {
        const [p] = make();
        expect(() => p.sendString(new Uint8Array(2 ** (p.prefixLength * 8) + 1))).toThrow(
          StringTooLongError,
        );
      });
  });
}

describe("Netstring/IntN: issue 13 divergences, fixed (expected values are Twisted 22.4's)", () => {
  class Net extends NetstringReceiver {
    received: string[] = [];
    override stringReceived(s: Uint8Array) {
      this.received.push(latin1(s));
    }
  }

  it("netstring: length digits already read are checked again after MAX_LENGTH is lowered", () => {
    for (const next of ["", ":"]) {
      const [p, t] = connect(new Net());
      p.dataReceived(bin("11"));
      p.MAX_LENGTH = 10;
      p.dataReceived(bin(next));
      expect([p.received, t.disconnecting, p.brokenPeer]).toEqual([[], true, true]);
    }
  });

  it("netstring: a length complete before MAX_LENGTH was lowered still gets its payload (as Twisted)", () => {
    const [p, t] = connect(new Net());
    p.dataReceived(bin("11:aaa"));
    p.MAX_LENGTH = 10;
    p.dataReceived(bin("aaaaaaaa,"));
    expect([p.received, t.disconnecting]).toEqual([["a".repeat(11)], false]);
  });

  class Int16 extends Int16StringReceiver {
    events: unknown[] = [];
    override stringReceived(s: Uint8Array) {
      this.events.push(latin1(s));
      if (latin1(s) === "low") this.MAX_LENGTH = 2;
    }
    override lengthLimitExceeded(length: number) {
      this.events.push(["exceeded", length, latin1(this.recvd)]);
      return super.lengthLimitExceeded(length);
    }
  }

  it("IntN: a prefix already read is checked again after MAX_LENGTH is lowered (next read, even empty)", () => {
    for (const [next, recvd] of [
      ["", "\x00\x05abc"],
      ["de", "\x00\x05abcde"],
    ] as const) {
      const [p, t] = connect(new Int16());
      p.dataReceived(bin("\x00\x05abc"));
      p.MAX_LENGTH = 4;
      p.dataReceived(bin(next));
      expect([p.events, t.disconnecting]).toEqual([[["exceeded", 5, recvd]], true]);
    }
  });

  it("IntN: a MAX_LENGTH lowered inside stringReceived applies to the next frame of the same read", () => {
    const [p, t] = connect(new Int16());
    p.dataReceived(bin("\x00\x03low\x00\x03abc"));
    expect([p.events, t.disconnecting]).toEqual([["low", ["exceeded", 3, "\x00\x03abc"]], true]);
  });
});
