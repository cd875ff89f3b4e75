import { describe, expect, it } from "vitest";
import { connect } from "../../test/helpers.js";
import { encodeLengthPrefixed, StatefulProtocol, type StatefulState } from "../index.js";

const str = (b: Uint8Array) => Buffer.from(b).toString();

describe("StatefulProtocol", () => {
  it("calls each state's handler with exactly its byte count, whatever the chunking", () => {
    const bodies: string[] = [];
    class Frames extends StatefulProtocol {
      override getInitialState(): StatefulState {
        return [this.header, 1];
      }
      header(d: Uint8Array): StatefulState {
        return [this.body, d[0] ?? 0];
      }
      body(d: Uint8Array): StatefulState {
        bodies.push(str(d));
        return [this.header, 1];
      }
    }
    const [p] = connect(new Frames());
    const wire = Buffer.concat([
      encodeLengthPrefixed("abc", 1),
      encodeLengthPrefixed("", 1),
      encodeLengthPrefixed("de", 1),
    ]);
    p.dataReceived(wire.subarray(0, 2));
    p.dataReceived(wire.subarray(2, 6));
    p.dataReceived(wire.subarray(6));
    expect(bodies).toEqual(["abc", "", "de"]);
  });

  it("stops while the transport is disconnecting", () => {
    const seen: number[] = [];
    class Bytes extends StatefulProtocol {
      override getInitialState(): StatefulState {
        return [this.one, 1];
      }
      one(d: Uint8Array): undefined {
        seen.push(d[0] ?? -1);
        if (d[0] === 2) this.transport?.loseConnection();
        return undefined;
      }
    }
    const [p] = connect(new Bytes());
    p.dataReceived(Uint8Array.of(1, 2, 3));
    expect(seen).toEqual([1, 2]);
  });
});
