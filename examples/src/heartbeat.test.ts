// The virtual-time test: 30 s of heartbeats in microseconds of real time, on a fake Clock and a
// StringTransport from @lr/testing.
import { Clock, StringTransport } from "@lr/testing";
import { describe, expect, it } from "vitest";
import { Heartbeat } from "./heartbeat.js";

function connect() {
  const clock = new Clock();
  const transport = new StringTransport();
  const heartbeat = new Heartbeat(clock, 10_000, 3_000);
  heartbeat.makeConnection(transport);
  return { clock, transport, heartbeat };
}

describe("Heartbeat", () => {
  it("pings every 10 s and stays connected while PONGs come back", () => {
    const { clock, transport, heartbeat } = connect();
    for (let i = 0; i < 3; i++) {
      clock.advance(i === 0 ? 10_000 : 9_000); // PINGs at 10 s, 20 s, 30 s
      expect(transport.text()).toBe("PING\r\n");
      transport.clear();
      clock.advance(1_000);
      heartbeat.dataReceived(Buffer.from("PONG\r\n"));
    }
    clock.advance(5_000); // past every deadline
    expect(heartbeat.pongs).toBe(3);
    expect(transport.disconnecting).toBe(false);
  });

  it("drops the connection 3 s after an unanswered PING, not before", () => {
    const { clock, transport } = connect();
    clock.advance(10_000);
    expect(transport.text()).toBe("PING\r\n");
    clock.advance(2_999);
    expect(transport.disconnecting).toBe(false);
    clock.advance(1);
    expect(transport.disconnecting).toBe(true);
  });
});
