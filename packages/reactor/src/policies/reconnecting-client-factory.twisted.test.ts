/**
 * The scenarios of Twisted 22.4's `twisted/test/test_factories.py` ReconnectingFactoryTests that apply
 * to lr (the three pickling scenarios do not: lr factories are not serialized). Behaviours carried
 * over; the code is our own.
 */
import { describe, expect, it } from "vitest";
import { tcpAddress } from "../core/address.js";
import { InvalidArgumentError } from "../core/errors.js";
import type { Connector } from "../core/interfaces.js";
import { Protocol } from "../core/protocol.js";
import { Clock } from "../time/clock.js";
import { ReconnectingClientFactory } from "./reconnecting-client-factory.js";

function connector(overrides: Partial<Connector> & { state?: Connector["state"] }): Connector {
  return {
    state: "disconnected",
    connect() {},
    disconnect() {},
    stopConnecting() {},
    getDestination: () => tcpAddress("127.0.0.1", 1),
    ...overrides,
  };
}

describe("ReconnectingClientFactory (Twisted's ReconnectingFactoryTests)", () => {
  it("after stopTrying() while connected, losing the connection does not reconnect", () => {
    const f = new ReconnectingClientFactory();
    f.protocol = Protocol;
    f.clock = new Clock();
    f.buildProtocol(tcpAddress("127.0.0.1", 1));
    f.stopTrying();
    const c = connector({
      state: "connected",
      stopConnecting() {
        throw new Error("must not be called: connected");
      },
      connect() {
        throw new Error("must not reconnect");
      },
    });
    f.clientConnectionLost(c, new Error("lost"));
    expect(f.continueTrying).toBe(false);
    expect(f.clock.getDelayedCalls()).toEqual([]);
  });

  it("stopTrying() during an attempt that then fails schedules no retry", () => {
    const f = new ReconnectingClientFactory();
    const clock = new Clock();
    f.clock = clock;
    let attemptedRetry = false;
    const c: Connector = connector({
      state: "connecting",
      stopConnecting() {
        // As a real attempt: cancelling it reports a failed connection to the factory.
        f.clientConnectionFailed(c, new Error("cancelled"));
      },
      connect() {
        attemptedRetry = true;
      },
    });
    f.connector = c;
    f.stopTrying();
    expect(attemptedRetry).toBe(false);
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it("the clock is a parameter, so a lost connection schedules exactly one retry on it", () => {
    const clock = new Clock();
    const f = new ReconnectingClientFactory();
    f.clock = clock;
    f.clientConnectionLost(connector({}), new Error("lost"));
    expect(clock.getDelayedCalls()).toHaveLength(1);
  });

  it("retry() with no connector to retry is an error (Twisted: ValueError)", () => {
    const f = new ReconnectingClientFactory();
    f.clock = new Clock();
    expect(() => f.retry()).toThrow(InvalidArgumentError);
    f.stopTrying();
    expect(() => f.retry()).not.toThrow(); // after stopTrying() it does nothing
  });
});
