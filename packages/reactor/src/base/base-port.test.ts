import { describe, expect, it } from "vitest";
import { type Address, tcpAddress } from "../core/address.js";
import { CannotListenError } from "../core/errors.js";
import { Factory } from "../core/factory.js";
import { BasePort, type BasePortSpec, type PortOwner, type PortState } from "./base-port.js";

/** A back end whose bind the test completes by hand, and whose release it can hold. */
class ManualPort extends BasePort {
  binds = 0;
  released: PortState[] = [];
  holdRelease: Promise<void> | undefined;

  protected override bind(): void {
    this.binds++;
  }

  protected override release(was: PortState): Promise<void> | undefined {
    this.released.push(was);
    return this.holdRelease;
  }

  complete(address: Address): void {
    this.bound(address);
  }

  fail(error: unknown): void {
    this.bindFailed(error);
  }
}

function owner() {
  const events: string[] = [];
  const errors: [string, unknown][] = [];
  const o: PortOwner = {
    portClosed: () => events.push("closed"),
    reportListenFailure: (error) => events.push(`listen failure ${error.code}`),
    reportCallbackError: (where, error) => errors.push([where, error]),
  };
  return { owner: o, events, errors };
}

const spec: BasePortSpec = { type: "TCP", port: 9000, host: undefined, backlog: 50 };

describe("BasePort", () => {
  it("goes pending → binding → listening, starts the factory once bound, and describes itself", async () => {
    const { owner: o } = owner();
    const factory = new Factory();
    const port = new ManualPort(spec, factory, o);
    expect([port.state, port.describe()]).toEqual(["pending", "*:9000"]);
    expect(() => port.getHost()).toThrow(expect.objectContaining({ code: "ERR_NOT_LISTENING" }));
    port.startListening();
    port.startListening();
    expect([port.state, port.binds, factory.numPorts]).toEqual(["binding", 1, 0]);
    port.complete(tcpAddress("0.0.0.0", 9000));
    expect([port.state, factory.numPorts]).toEqual(["listening", 1]);
    await expect(port.whenListening()).resolves.toEqual(tcpAddress("0.0.0.0", 9000));
    expect(port.getHost()).toEqual(tcpAddress("0.0.0.0", 9000));
  });

  it("a failed bind closes the port, rejects whenListening() with CannotListenError and tells the owner", async () => {
    const { owner: o, events } = owner();
    const port = new ManualPort(spec, new Factory(), o);
    port.startListening();
    port.fail(new Error("EADDRINUSE"));
    expect(port.state).toBe("closed");
    await expect(port.whenListening()).rejects.toBeInstanceOf(CannotListenError);
    expect(events).toEqual(["listen failure ERR_CANNOT_LISTEN", "closed"]);
    await expect(port.stopListening()).resolves.toBeUndefined();
    expect(port.released).toEqual([]);
  });

  it("stopListening() before the bind rejects whenListening() with ERR_NOT_LISTENING and starts no factory", async () => {
    const { owner: o, events } = owner();
    const factory = new Factory();
    const port = new ManualPort(spec, factory, o);
    const stopped = port.stopListening();
    expect(port.stopListening()).toBe(stopped);
    await stopped;
    await expect(port.whenListening()).rejects.toMatchObject({ code: "ERR_NOT_LISTENING" });
    expect([port.released, events, factory.numPorts]).toEqual([["pending"], ["closed"], 0]);
  });

  it("a throwing doStart or doStop is reported, and stopListening() still settles after the release", async () => {
    const { owner: o, events, errors } = owner();
    const factory = new Factory();
    factory.doStart = () => {
      throw new Error("start");
    };
    factory.doStop = () => {
      throw new Error("stop");
    };
    const port = new ManualPort(spec, factory, o);
    port.startListening();
    port.complete(tcpAddress("127.0.0.1", 9000));
    let release!: () => void;
    port.holdRelease = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stopped = port.stopListening();
    await Promise.resolve();
    expect(events).toEqual([]); // doStop and portClosed wait for the release
    release();
    await stopped;
    expect(port.released).toEqual(["listening"]);
    expect(events).toEqual(["closed"]);
    expect(errors.map(([where, e]) => [where, (e as Error).message])).toEqual([
      ["Factory.doStart", "start"],
      ["Factory.doStop", "stop"],
    ]);
  });

  it("a release that rejects is reported and the port still closes", async () => {
    const { owner: o, events, errors } = owner();
    const port = new ManualPort(spec, new Factory(), o);
    port.startListening();
    port.complete(tcpAddress("127.0.0.1", 9000));
    port.holdRelease = Promise.reject(new Error("close failed"));
    await port.stopListening();
    expect(events).toEqual(["closed"]);
    expect(errors.map(([where]) => where)).toEqual(["releasing port *:9000"]);
  });
});
