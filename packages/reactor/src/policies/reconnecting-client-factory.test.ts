import { describe, expect, it } from "vitest";
import type { Connector } from "../core/interfaces.js";
import { Clock } from "../time/clock.js";
import { normalVariate, ReconnectingClientFactory } from "./reconnecting-client-factory.js";

/** A connector stand-in: counts connect() calls; state as a reconnecting factory sees it. */
function fakeConnector(): Connector & { connects: number; stops: number } {
  return {
    state: "disconnected",
    connects: 0,
    stops: 0,
    connect() {
      this.connects++;
    },
    disconnect() {},
    stopConnecting() {
      this.stops++;
    },
    getDestination: () => ({ type: "TCP", family: "IPv4", host: "127.0.0.1", port: 1 }),
  };
}

/** A deterministic uniform stream in [0, 1) (mulberry32), replayable from the same seed. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Kinderman–Monahan, written out independently of the implementation under test. */
function expectedNormal(mu: number, sigma: number, next: () => number): number {
  const K = (4 * Math.exp(-0.5)) / Math.sqrt(2.0);
  for (;;) {
    const u1 = next();
    const u2 = 1.0 - next();
    const z = (K * (u1 - 0.5)) / u2;
    if ((z * z) / 4.0 <= -Math.log(u2)) return mu + z * sigma;
  }
}

function setup(configure: (f: ReconnectingClientFactory) => void = () => {}) {
  const clock = new Clock();
  const f = new ReconnectingClientFactory();
  f.clock = clock;
  configure(f);
  const connector = fakeConnector();
  return { clock, f, connector };
}

/** Fails the connector, then returns the delay of the retry it scheduled (or null). */
function failOnce(clock: Clock, f: ReconnectingClientFactory, connector: Connector): number | null {
  f.clientConnectionFailed(connector, new Error("refused"));
  const calls = clock.getDelayedCalls();
  if (calls.length === 0) return null;
  expect(calls).toHaveLength(1);
  // the retry is due exactly `f.delay` ms from now
  expect(calls[0]?.getTime()).toBe(clock.now() + f.delay);
  return f.delay;
}

describe("ReconnectingClientFactory", () => {
  it("has Twisted's defaults, in milliseconds", () => {
    const f = new ReconnectingClientFactory();
    expect(f.initialDelay).toBe(1000);
    expect(f.maxDelay).toBe(3_600_000);
    expect(f.factor).toBe(Math.E);
    expect(f.jitter).toBe(0.119626565582);
    expect(f.maxRetries).toBeNull();
    expect(f.continueTrying).toBe(true);
    expect([f.delay, f.retries]).toEqual([1000, 0]);
  });

  it("without jitter waits e, e², e³ ... seconds, capped at maxDelay (Twisted's figures)", () => {
    const { clock, f, connector } = setup((x) => {
      x.jitter = 0;
    });
    const waits: number[] = [];
    for (let i = 0; i < 11; i++) {
      const d = failOnce(clock, f, connector);
      if (d === null) throw new Error("no retry scheduled");
      waits.push(d);
      clock.advance(d);
      expect(connector.connects).toBe(i + 1);
    }
    const expected: number[] = [];
    let delay = 1000;
    for (let i = 0; i < 11; i++) {
      delay = Math.min(delay * Math.E, 3_600_000);
      expected.push(delay);
    }
    expect(waits).toEqual(expected);
    // the seconds Twisted's documentation lists: 2.718, 7.389, 20.09, 54.6, 148.4, 403.4, 1096.6, 2981, 3600...
    expect(waits.map((w) => Math.round(w / 100) / 10)).toEqual([
      2.7, 7.4, 20.1, 54.6, 148.4, 403.4, 1096.6, 2981, 3600, 3600, 3600,
    ]);
  });

  it("with jitter, each wait is normalVariate(min(delay*factor, maxDelay), that * jitter) from the same uniform stream", () => {
    const { clock, f, connector } = setup((x) => {
      x.random = uniform(42);
      x.maxDelay = 60_000;
    });
    const replay = uniform(42);
    let delay = 1000;
    for (let i = 0; i < 12; i++) {
      delay = Math.min(delay * Math.E, 60_000);
      delay = expectedNormal(delay, delay * 0.119626565582, replay);
      const d = failOnce(clock, f, connector);
      expect(d).toBe(delay);
      clock.advance(d ?? 0);
    }
    expect(connector.connects).toBe(12);
  });

  it("normalVariate matches the independent formula and has about the right mean and spread", () => {
    const a = uniform(7);
    const b = uniform(7);
    const xs: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const x = normalVariate(10, 2, a);
      expect(x).toBe(expectedNormal(10, 2, b));
      xs.push(x);
    }
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 10)).toBeLessThan(0.2);
    expect(Math.abs(sd - 2)).toBeLessThan(0.2);
  });

  it("retries after a lost connection too (clean closes included)", () => {
    const { clock, f, connector } = setup((x) => {
      x.jitter = 0;
    });
    f.clientConnectionLost(connector, new Error("done"));
    expect(clock.getDelayedCalls().map((c) => c.getTime())).toEqual([1000 * Math.E]);
  });

  it("maxRetries = 2 schedules two retries and gives up on the third failure", () => {
    const { clock, f, connector } = setup((x) => {
      x.jitter = 0;
      x.maxRetries = 2;
    });
    expect(failOnce(clock, f, connector)).not.toBeNull();
    clock.advance(1e9);
    expect(failOnce(clock, f, connector)).not.toBeNull();
    clock.advance(1e9);
    expect(failOnce(clock, f, connector)).toBeNull();
    expect([connector.connects, f.retries]).toEqual([2, 3]);
  });

  it("stopTrying() cancels the pending retry and stops a connection attempt in progress", () => {
    const { clock, f, connector } = setup();
    failOnce(clock, f, connector);
    expect(clock.getDelayedCalls()).toHaveLength(1);
    f.stopTrying();
    expect(clock.getDelayedCalls()).toEqual([]);
    expect(f.continueTrying).toBe(false);
    f.clientConnectionFailed(connector, new Error("again"));
    expect(clock.getDelayedCalls()).toEqual([]);
    const attempting = { ...fakeConnector(), state: "connecting" as const };
    const g = new ReconnectingClientFactory();
    g.clock = clock;
    g.connector = attempting;
    g.stopTrying();
    expect(attempting.stops).toBe(1);
  });

  it("stopTrying() is safe when the pending retry was already cancelled (e.g. by a reactor stop)", () => {
    const { clock, f, connector } = setup();
    failOnce(clock, f, connector);
    for (const call of clock.getDelayedCalls()) call.cancel(); // what a reactor stop does to pending calls
    expect(() => f.stopTrying()).not.toThrow();
    expect(f.continueTrying).toBe(false);
  });

  it("resetDelay() goes back to the initial delay, zero retries, and trying again", () => {
    const { clock, f, connector } = setup((x) => {
      x.jitter = 0;
    });
    failOnce(clock, f, connector);
    clock.advance(1e9);
    failOnce(clock, f, connector);
    clock.advance(1e9);
    f.stopTrying();
    f.resetDelay();
    expect([f.delay, f.retries, f.continueTrying]).toEqual([1000, 0, true]);
    expect(failOnce(clock, f, connector)).toBe(1000 * Math.E);
  });

  it("continueTrying = false stops retries without cancelling anything", () => {
    const { clock, f, connector } = setup();
    f.continueTrying = false;
    expect(failOnce(clock, f, connector)).toBeNull();
    expect(f.retries).toBe(0);
  });

  it("uses the connector's clock when none is set", () => {
    const clock = new Clock();
    const f = new ReconnectingClientFactory();
    f.jitter = 0;
    const connector = { ...fakeConnector(), clock };
    f.clientConnectionFailed(connector, new Error("x"));
    expect(clock.getDelayedCalls()).toHaveLength(1);
  });
});
