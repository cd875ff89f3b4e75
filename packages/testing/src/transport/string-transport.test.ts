import { ConnectionDone, Protocol, tcpAddress } from "@lr/reactor";
import { describe, expect, it } from "vitest";
import { AccumulatingProtocol } from "./accumulating-protocol.js";
import { StringTransport, StringTransportWithDisconnection } from "./string-transport.js";

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport?.write(data);
  }
}

describe("StringTransport", () => {
  it("records writes until cleared", () => {
    const transport = new StringTransport();
    const protocol = new Echo();
    protocol.makeConnection(transport);
    protocol.dataReceived(Buffer.from("hé"));
    transport.writeSequence(["a", new Uint8Array([98])]);
    expect(transport.value()).toEqual(Buffer.from("héab"));
    expect(transport.text()).toBe("héab");
    transport.clear();
    expect(transport.value().length).toBe(0);
  });

  it("copies written buffers", () => {
    const transport = new StringTransport();
    const data = Buffer.from("abc");
    transport.write(data);
    data.fill(0);
    expect(transport.text()).toBe("abc");
  });

  it("rejects what is neither a string nor bytes", () => {
    expect(() => new StringTransport().write(42 as unknown as string)).toThrow(TypeError);
  });

  it("loseConnection only sets disconnecting; abortConnection also disconnected", () => {
    const a = new StringTransport();
    a.loseConnection();
    expect([a.disconnecting, a.disconnected]).toEqual([true, false]);
    a.write("still recorded");
    expect(a.text()).toBe("still recorded");
    const b = new StringTransport();
    b.abortConnection();
    expect([b.disconnecting, b.disconnected]).toEqual([true, true]);
  });

  it("has fake addresses, overridable", () => {
    const t = new StringTransport();
    expect(t.getPeer()).toEqual(tcpAddress("192.0.2.1", 54321));
    expect(t.getHost()).toEqual(tcpAddress("198.51.100.1", 12345));
    const u = new StringTransport({ peerAddress: tcpAddress("::1", 1) });
    expect(u.getPeer()).toMatchObject({ family: "IPv6", port: 1 });
  });

  it("tracks producer registration and the transport's producer state", () => {
    const t = new StringTransport();
    const producer = { resumeProducing() {}, stopProducing() {} };
    t.registerProducer(producer, true);
    expect([t.producer, t.streaming]).toEqual([producer, true]);
    expect(() => t.registerProducer(producer, false)).toThrow(
      expect.objectContaining({ code: "ERR_TRANSPORT_STATE" }),
    );
    t.unregisterProducer();
    expect(t.producer).toBeNull();
    expect(() => t.unregisterProducer()).toThrow(
      expect.objectContaining({ code: "ERR_TRANSPORT_STATE" }),
    );
    expect(t.producerState).toBe("producing");
    t.pauseProducing();
    expect(t.producerState).toBe("paused");
    t.resumeProducing();
    expect(t.producerState).toBe("producing");
    t.stopProducing();
    expect(t.producerState).toBe("stopped");
    expect(() => t.resumeProducing()).toThrow(
      expect.objectContaining({ code: "ERR_TRANSPORT_STATE" }),
    );
  });

  it("refuses pause/resume after loseConnection unless lenient", () => {
    const strict = new StringTransport();
    strict.loseConnection();
    expect(() => strict.pauseProducing()).toThrow(
      expect.objectContaining({ code: "ERR_TRANSPORT_STATE" }),
    );
    const lenient = new StringTransport({ lenient: true });
    lenient.loseConnection();
    lenient.pauseProducing();
    expect(lenient.producerState).toBe("paused");
  });
});

describe("StringTransportWithDisconnection", () => {
  it("calls connectionLost(ConnectionDone) once on loseConnection", () => {
    const transport = new StringTransportWithDisconnection();
    const protocol = new AccumulatingProtocol();
    transport.protocol = protocol;
    protocol.makeConnection(transport);
    transport.loseConnection();
    transport.loseConnection();
    expect(protocol.closed).toBe(1);
    expect(protocol.closedReason).toBeInstanceOf(ConnectionDone);
    expect(transport.disconnected).toBe(true);
  });
});

describe("AccumulatingProtocol", () => {
  it("accumulates data, counts connections and resolves its promises", async () => {
    const made: number[] = [];
    const protocol = new AccumulatingProtocol({ onConnectionMade: (p) => made.push(p.made) });
    const transport = new StringTransport();
    protocol.makeConnection(transport);
    expect(protocol.made).toBe(1);
    expect(protocol.transport).toBe(transport);
    await protocol.whenMade;
    protocol.dataReceived(Buffer.from("ab"));
    protocol.dataReceived(Buffer.from("c"));
    expect(protocol.text()).toBe("abc");
    const reason = new ConnectionDone();
    protocol.connectionLost(reason);
    await expect(protocol.whenClosed).resolves.toBe(reason);
    expect([protocol.closed, protocol.connected, made]).toEqual([1, false, [1]]);
  });
});
