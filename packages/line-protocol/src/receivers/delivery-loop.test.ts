/**
 * Properties of the shared delivery loop, checked through every receiver built on it
 * (LineReceiver, LineOnlyReceiver, NetstringReceiver, Int8/16/32StringReceiver): whatever the
 * chunking, pausing after any item, resuming later and feeding more data from inside a handler
 * deliver the same items, in order, and nothing once the transport is disconnecting.
 */
import { Buffer } from "node:buffer";
import type { Protocol } from "@lr/reactor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunked, chunkingArb, connect } from "../../test/helpers.js";
import {
  encodeLengthPrefixed,
  encodeNetstring,
  Int8StringReceiver,
  Int16StringReceiver,
  Int32StringReceiver,
  LineOnlyReceiver,
  LineReceiver,
  NetstringReceiver,
} from "../index.js";

/** What the properties drive: a receiver whose handler calls `onItem` with each item. */
type Receiver = Protocol & {
  paused: boolean;
  pauseProducing(): void;
  resumeProducing(): void;
};
interface Subject {
  name: string;
  make(onItem: (item: string) => void): Receiver;
  encode(item: string): Uint8Array;
}

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

const subjects: Subject[] = [
  {
    name: "LineReceiver",
    make: (onItem) =>
      new (class extends LineReceiver {
        override lineReceived(line: string) {
          onItem(line);
        }
      })(),
    encode: (s) => new Uint8Array(Buffer.from(`${s}\r\n`, "latin1")),
  },
  {
    name: "LineOnlyReceiver",
    make: (onItem) =>
      new (class extends LineOnlyReceiver {
        override lineReceived(line: string) {
          onItem(line);
        }
      })(),
    encode: (s) => new Uint8Array(Buffer.from(`${s}\r\n`, "latin1")),
  },
  {
    name: "NetstringReceiver",
    make: (onItem) =>
      new (class extends NetstringReceiver {
        override stringReceived(s: Uint8Array) {
          onItem(latin1(s));
        }
      })(),
    encode: (s) => encodeNetstring(Buffer.from(s, "latin1")),
  },
  ...[Int8StringReceiver, Int16StringReceiver, Int32StringReceiver].map(
    (Base): Subject => ({
      name: Base.name,
      make: (onItem) =>
        new (class extends (Base as typeof Int32StringReceiver) {
          override stringReceived(s: Uint8Array) {
            onItem(latin1(s));
          }
        })(),
      encode: (s) => encodeLengthPrefixed(Buffer.from(s, "latin1"), new Base().prefixLength),
    }),
  ),
];

const items = fc.array(fc.string({ unit: fc.constantFrom("a", "b", "z", " "), maxLength: 8 }), {
  maxLength: 12,
});

describe("DeliveryLoop (the shared delivery loop), through every receiver", () => {
  for (const subject of subjects) {
    describe(subject.name, () => {
      it("property: pausing after any item and resuming later loses and reorders nothing", () => {
        fc.assert(
          fc.property(
            items,
            chunkingArb,
            fc.array(fc.boolean(), { minLength: 1 }),
            (list, cuts, plan) => {
              const wire = new Uint8Array(Buffer.concat(list.map(subject.encode)));
              const got: string[] = [];
              let k = 0;
              const p: Receiver = subject.make((item) => {
                got.push(item);
                if (plan[k++ % plan.length]) p.pauseProducing();
              });
              const [, t] = connect(p);
              for (const c of chunked(wire, cuts)) {
                p.dataReceived(c);
                // Resume only sometimes between reads, so input also piles up while paused.
                if (p.paused && plan[k % plan.length]) p.resumeProducing();
              }
              while (p.paused) p.resumeProducing();
              expect(got).toEqual(list);
              expect(t.producerState).toBe("producing");
            },
          ),
          { numRuns: 150 },
        );
      });

      it("property: data fed from inside a handler is delivered after what was already read", () => {
        fc.assert(
          fc.property(items, items, chunkingArb, (first, second, cuts) => {
            const wire = new Uint8Array(Buffer.concat(first.map(subject.encode)));
            const more = chunked(new Uint8Array(Buffer.concat(second.map(subject.encode))), cuts);
            const got: string[] = [];
            const p: Receiver = subject.make((item) => {
              got.push(item);
              const next = more.shift();
              if (next !== undefined) p.dataReceived(next);
            });
            connect(p);
            p.dataReceived(wire);
            for (const c of more.splice(0)) p.dataReceived(c);
            expect(got).toEqual([...first, ...second]);
          }),
          { numRuns: 150 },
        );
      });

      it("property: nothing is delivered after the handler closes the connection", () => {
        fc.assert(
          fc.property(items, chunkingArb, fc.nat(12), (list, cuts, closeAt) => {
            const wire = new Uint8Array(Buffer.concat(list.map(subject.encode)));
            const got: string[] = [];
            const p: Receiver = subject.make((item) => {
              got.push(item);
              if (got.length === closeAt) p.transport?.loseConnection();
            });
            connect(p);
            for (const c of chunked(wire, cuts)) p.dataReceived(c);
            expect(got).toEqual(closeAt === 0 ? list : list.slice(0, closeAt));
          }),
          { numRuns: 150 },
        );
      });
    });
  }
});
