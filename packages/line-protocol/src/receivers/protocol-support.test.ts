// lr:line:too-long from both line receivers, published before lineLengthExceeded runs.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { LineTooLongMessage } from "@lr/reactor";
import { StringTransport } from "@lr/testing";
import { afterEach, describe, expect, it } from "vitest";
import { LineOnlyReceiver } from "./line-only-receiver.js";
import { LineReceiver } from "./line-receiver.js";

const seen: LineTooLongMessage[] = [];
const onMessage = (m: unknown) => seen.push(m as LineTooLongMessage);
afterEach(() => {
  unsubscribe("lr:line:too-long", onMessage);
  seen.length = 0;
});

const order: string[] = [];

class TestLineReceiver extends LineReceiver {
  override lineReceived() {}
  override lineLengthExceeded(data: Uint8Array) {
    order.push(`exceeded after ${seen.length} message(s)`);
    return super.lineLengthExceeded(data);
  }
}

class TestLineOnlyReceiver extends LineOnlyReceiver {
  override lineReceived() {}
  override lineLengthExceeded(data: Uint8Array) {
    order.push(`exceeded after ${seen.length} message(s)`);
    return super.lineLengthExceeded(data);
  }
}

describe.each([
  ["LineReceiver", () => new TestLineReceiver()],
  ["LineOnlyReceiver", () => new TestLineOnlyReceiver()],
] as const)("%s", (_name, make) => {
  afterEach(() => {
    order.length = 0;
  });

  it("publishes lr:line:too-long with the length and the limit, then calls lineLengthExceeded", () => {
    subscribe("lr:line:too-long", onMessage);
    const protocol = make();
    protocol.MAX_LENGTH = 8;
    const transport = new StringTransport();
    protocol.makeConnection(transport);
    protocol.dataReceived(Buffer.from("0123456789abcdef\r\n"));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.protocol).toBe(protocol);
    expect(seen[0]?.maxLength).toBe(8);
    expect(seen[0]?.length).toBeGreaterThan(8);
    expect(order).toEqual(["exceeded after 1 message(s)"]);
    expect(transport.disconnecting).toBe(true);
  });

  it("publishes nothing for lines within the limit", () => {
    subscribe("lr:line:too-long", onMessage);
    const protocol = make();
    protocol.makeConnection(new StringTransport());
    protocol.dataReceived(Buffer.from("short\r\n"));
    expect(seen).toEqual([]);
    expect(order).toEqual([]);
  });
});
