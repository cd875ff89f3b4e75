import { describe, expect, it } from "vitest";
import { type Address, tcpAddress } from "../core/address.js";
import { ConnectionRefusedError } from "../core/errors.js";
import { ClientFactory } from "../core/factory.js";
import type { Connector, Transport } from "../core/interfaces.js";
import { Protocol } from "../core/protocol.js";
import { Clock } from "../time/clock.js";
import { BaseConnector, type BaseConnectSpec, type ConnectorOwner } from "./base-connector.js";

/** A back end whose attempts the test completes by hand. */
class ManualConnector extends BaseConnector {
  attempts = 0;
  abandoned = 0;

  protected override beginAttempt(): void {
    this.attempts++;
  }

  protected override abandonAttempt(): void {
    this.abandoned++;
  }

  /** Completes the attempt; returns the transport, or `null` if the factory refused. */
  succeed(peer: Address): Transport | null {
    const protocol = this.buildClientProtocol(peer);
    if (!protocol) return null;
    // Only loseConnection() is used by the connector (disconnect()).
    const transport = {
      loseConnection: () => this.connectionLost(transport, new Error("closed")),
    } as unknown as Transport;
    this.connected(transport);
    return transport;
  }

  refuse(): void {
    this.failed(new ConnectionRefusedError(this.describe()));
  }
}

/** A client factory that records its callbacks. */
function recorder() {
  const log: string[] = [];
  const factory = new ClientFactory();
  factory.doStart = () => log.push("doStart");
  factory.doStop = () => log.push("doStop");
  factory.startedConnecting = () => log.push("startedConnecting");
  factory.buildProtocol = () => {
    log.push("buildProtocol");
    return new Protocol();
  };
  factory.clientConnectionFailed = (_c: Connector, reason: Error) =>
    log.push(`failed ${(reason as { code?: string }).code}`);
  factory.clientConnectionLost = () => log.push("lost");
  return { factory, log };
}

function owner(clock: Clock, options: { running?: boolean } = {}) {
  const events: string[] = [];
  const errors: [string, unknown][] = [];
  const o: ConnectorOwner = {
    clock,
    canConnect: () => options.running ?? true,
    connectorBusy: () => events.push("busy"),
    deferConnect: () => events.push("deferred"),
    connectorIdle: () => events.push("idle"),
    reportCallbackError: (where, error) => errors.push([where, error]),
  };
  return { owner: o, events, errors };
}

const spec: BaseConnectSpec = {
  type: "TCP",
  host: "example.test",
  port: 80,
  timeoutMs: 100,
  bindAddress: undefined,
};

describe("BaseConnector", () => {
  it("connect → connected → lost brackets the session with doStart/doStop", () => {
    const clock = new Clock();
    const { owner: o, events } = owner(clock);
    const { factory, log } = recorder();
    const c = new ManualConnector(spec, factory, o);
    c.connect();
    expect([c.state, c.attempts, c.describe()]).toEqual(["connecting", 1, "example.test:80"]);
    expect(() => c.connect()).toThrow(expect.objectContaining({ code: "ERR_ALREADY_CONNECTING" }));
    const transport = c.succeed(tcpAddress("192.0.2.1", 80));
    expect([c.state, c.transport]).toEqual(["connected", transport]);
    clock.advance(1000); // the timeout was cancelled when connected
    c.disconnect();
    expect(c.state).toBe("disconnected");
    expect(log).toEqual(["doStart", "startedConnecting", "buildProtocol", "lost", "doStop"]);
    expect(events).toEqual(["busy", "idle"]);
  });

  it("times out on the owner's clock with ConnectTimeoutError and abandons the attempt", () => {
    const clock = new Clock();
    const { owner: o } = owner(clock);
    const { factory, log } = recorder();
    const c = new ManualConnector(spec, factory, o);
    c.connect();
    clock.advance(99);
    expect(c.state).toBe("connecting");
    clock.advance(1);
    expect([c.state, c.abandoned]).toEqual(["disconnected", 1]);
    expect(log).toEqual(["doStart", "startedConnecting", "failed ERR_CONNECT_TIMEOUT", "doStop"]);
  });

  it("reconnecting from clientConnectionFailed keeps the factory started (one doStart, one doStop)", () => {
    const clock = new Clock();
    const { owner: o } = owner(clock);
    const { factory, log } = recorder();
    let retries = 1;
    factory.clientConnectionFailed = (connector) => {
      log.push("failed");
      if (retries-- > 0) connector.connect();
    };
    const c = new ManualConnector(spec, factory, o);
    c.connect();
    c.refuse();
    expect([c.state, c.attempts]).toEqual(["connecting", 2]);
    c.stopConnecting();
    expect(() => c.stopConnecting()).toThrow(
      expect.objectContaining({ code: "ERR_NOT_CONNECTING" }),
    );
    expect(log).toEqual([
      "doStart",
      "startedConnecting",
      "failed",
      "startedConnecting",
      "failed",
      "doStop",
    ]);
  });

  it("waits for the reactor to run, then attempts once", () => {
    const clock = new Clock();
    const running = { running: false };
    const { owner: o, events } = owner(clock, running);
    const { factory } = recorder();
    const c = new ManualConnector(spec, factory, o);
    c.connect();
    expect([c.state, c.attempts, events]).toEqual(["connecting", 0, ["busy", "deferred"]]);
    c.startDeferred();
    c.startDeferred();
    expect(c.attempts).toBe(1);
  });

  it("reports throwing factory callbacks and goes on; a refusing buildProtocol fails the attempt", () => {
    const clock = new Clock();
    const { owner: o, errors } = owner(clock);
    const { factory, log } = recorder();
    factory.doStart = () => {
      throw new Error("start");
    };
    factory.buildProtocol = () => {
      throw new Error("build");
    };
    const c = new ManualConnector(spec, factory, o);
    expect(() => c.connect()).not.toThrow();
    expect(c.succeed(tcpAddress("192.0.2.1", 80))).toBeNull();
    expect(c.state).toBe("disconnected");
    expect(log).toEqual(["startedConnecting", "failed ERR_CONNECT", "doStop"]);
    expect(errors.map(([where]) => where)).toEqual([
      "ClientFactory.doStart",
      "ClientFactory.buildProtocol",
    ]);
  });
});
