import { describe, expect, it } from "vitest";
import type { Address } from "../core/address.js";
import { ConnectionDone } from "../core/errors.js";
import type { Producer, Transport } from "../core/interfaces.js";
import { Protocol } from "../core/protocol.js";
import { Clock } from "../time/clock.js";
import { IdleTimeout, TimeoutMixin } from "./idle-timeout.js";

/** A transport that only records loseConnection (enough for timeouts). */
class FakeTransport implements Transport {
  lost = 0;
  disconnecting = false;
  disconnected = false;
  write(_data: string | Uint8Array): void {}
  writeSequence(_data: Iterable<string | Uint8Array>): void {}
  loseConnection(): void {
    this.lost++;
    this.disconnecting = true;
  }
  abortConnection(): void {}
  getPeer(): Address {
    return { type: "UNIX", path: null };
  }
  getHost(): Address {
    return { type: "UNIX", path: null };
  }
  pauseProducing(): void {}
  resumeProducing(): void {}
  stopProducing(): void {}
  registerProducer(_p: Producer, _s: boolean): void {}
  unregisterProducer(): void {}
  loseWriteConnection(): void {}
  setTcpNoDelay(_e: boolean): void {}
  setTcpKeepAlive(_e: boolean): void {}
}

describe("IdleTimeout", () => {
  it("arms nothing until setTimeout, fires once after the period of inactivity", () => {
    const clock = new Clock();
    let fired = 0;
    const idle = new IdleTimeout(clock, () => fired++);
    expect(clock.getDelayedCalls()).toHaveLength(0);
    idle.resetTimeout(); // no-op while disarmed
    expect(clock.getDelayedCalls()).toHaveLength(0);
    expect(idle.setTimeout(100)).toBeNull();
    clock.advance(60);
    idle.resetTimeout();
    clock.advance(60);
    expect(fired).toBe(0);
    clock.advance(40);
    expect(fired).toBe(1);
    expect(idle.armed).toBe(false);
    clock.advance(1000);
    expect(fired).toBe(1);
  });

  it("setTimeout re-arms with a new period and returns the previous one; null disarms", () => {
    const clock = new Clock();
    let fired = 0;
    const idle = new IdleTimeout(clock, () => fired++);
    idle.setTimeout(100);
    clock.advance(50);
    expect(idle.setTimeout(30)).toBe(100);
    clock.advance(29);
    expect(fired).toBe(0);
    clock.advance(1);
    expect(fired).toBe(1);
    idle.setTimeout(10); // re-arm after expiry
    expect(idle.setTimeout(null)).toBe(10);
    expect(clock.getDelayedCalls()).toHaveLength(0);
    clock.advance(100);
    expect(fired).toBe(1);
  });
});

describe("TimeoutMixin", () => {
  class Session extends TimeoutMixin(Protocol) {
    override connectionMade(): void {
      this.setTimeout(1000);
    }
    override dataReceived(): void {
      this.resetTimeout();
    }
  }

  it("closes an idle connection with loseConnection (timeoutConnection default)", () => {
    const clock = new Clock();
    const p = new Session();
    p.timeoutClock = clock;
    const t = new FakeTransport();
    p.makeConnection(t);
    expect(p.timeOut).toBe(1000);
    clock.advance(900);
    p.dataReceived();
    clock.advance(900);
    expect(t.lost).toBe(0);
    clock.advance(100);
    expect(t.lost).toBe(1);
  });

  it("cancels the timer in connectionLost (no timer left behind)", () => {
    const clock = new Clock();
    const p = new Session();
    p.timeoutClock = clock;
    p.makeConnection(new FakeTransport());
    expect(clock.getDelayedCalls()).toHaveLength(1);
    p.connectionLost(new ConnectionDone());
    expect(clock.getDelayedCalls()).toHaveLength(0);
    expect(p.connected).toBe(false);
  });

  it("timeoutConnection can be overridden", () => {
    const clock = new Clock();
    const seen: string[] = [];
    class Polite extends Session {
      override timeoutConnection(): void {
        seen.push("bye");
        super.timeoutConnection();
      }
    }
    const p = new Polite();
    p.timeoutClock = clock;
    const t = new FakeTransport();
    p.makeConnection(t);
    clock.advance(1000);
    expect(seen).toEqual(["bye"]);
    expect(t.lost).toBe(1);
  });
});
