import { ConnectionAborted, ConnectionDone, ConnectionLost, Factory, Protocol } from "@lr/reactor";
import { describe, expect, it } from "vitest";
import { AccumulatingProtocol } from "./accumulating-protocol.js";
import { connectedServerAndClient } from "./io-pump.js";

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport?.write(data);
  }
}

class Greeter extends Protocol {
  override connectionMade(): void {
    this.transport?.write("hello\r\n");
  }
}

class HalfCloser extends AccumulatingProtocol {
  readClosed = 0;
  readConnectionLost(): void {
    this.readClosed++;
    this.transport?.write("bye");
    this.transport?.loseConnection();
  }
}

describe("connectedServerAndClient / IOPump", () => {
  it("connects server first, then client, and greets by default", () => {
    const order: string[] = [];
    class S extends Greeter {
      override connectionMade(): void {
        order.push("server");
        super.connectionMade();
      }
    }
    const { server, client } = connectedServerAndClient(
      S,
      new AccumulatingProtocol({ onConnectionMade: () => order.push("client") }),
    );
    expect(order).toEqual(["server", "client"]);
    expect(server).toBeInstanceOf(S);
    expect(client.text()).toBe("hello\r\n");
  });

  it("moves nothing until pumped when greet is false", () => {
    const { client, pump } = connectedServerAndClient(Greeter, AccumulatingProtocol, {
      greet: false,
    });
    expect(client.text()).toBe("");
    expect(pump.pump()).toBe(true);
    expect(client.text()).toBe("hello\r\n");
    expect(pump.pump()).toBe(false);
  });

  it("echoes through factories", () => {
    const { client, pump } = connectedServerAndClient(
      Factory.forProtocol(Echo),
      AccumulatingProtocol,
    );
    client.transport?.write("ping");
    client.transport?.write("pong");
    expect(client.text()).toBe("");
    pump.flush();
    expect(client.text()).toBe("pingpong");
  });

  it("loseConnection delivers queued bytes then closes both sides cleanly, peer first", () => {
    const order: string[] = [];
    const server = new AccumulatingProtocol({ onConnectionLost: () => order.push("server") });
    const client = new AccumulatingProtocol({ onConnectionLost: () => order.push("client") });
    const { pump } = connectedServerAndClient(server, client);
    client.transport?.write("last words");
    client.transport?.loseConnection();
    client.transport?.write("dropped");
    pump.flush();
    expect(server.text()).toBe("last words");
    expect(order).toEqual(["server", "client"]);
    expect(server.closedReason).toBeInstanceOf(ConnectionDone);
    expect(client.closedReason).toBeInstanceOf(ConnectionDone);
    expect(client.transport?.disconnected).toBe(true);
  });

  it("abortConnection discards queued bytes: ConnectionAborted here, ConnectionLost there", () => {
    const { server, client, pump } = connectedServerAndClient(
      AccumulatingProtocol,
      AccumulatingProtocol,
    );
    server.transport?.write("never seen");
    server.transport?.abortConnection();
    pump.flush();
    expect(client.text()).toBe("");
    expect(server.closedReason).toBeInstanceOf(ConnectionAborted);
    expect(client.closedReason).toBeInstanceOf(ConnectionLost);
    expect(client.closedReason).not.toBeInstanceOf(ConnectionAborted);
  });

  it("half-close: a peer that opts in gets readConnectionLost and may still write", () => {
    const { server, client, pump } = connectedServerAndClient(HalfCloser, AccumulatingProtocol);
    client.transport?.write("q");
    client.transport?.loseWriteConnection();
    client.transport?.write("ignored after half-close");
    pump.flush();
    expect(server.text()).toBe("q");
    expect(server.readClosed).toBe(1);
    expect(client.text()).toBe("bye");
    expect(server.closed).toBe(1);
    expect(client.closed).toBe(1);
  });

  it("half-close: a peer that does not opt in closes the connection", () => {
    const { server, client, pump } = connectedServerAndClient(
      AccumulatingProtocol,
      AccumulatingProtocol,
    );
    client.transport?.loseWriteConnection();
    pump.flush();
    expect(server.closedReason).toBeInstanceOf(ConnectionDone);
    expect(client.closedReason).toBeInstanceOf(ConnectionDone);
  });

  it("holds received bytes while reading is paused", () => {
    const { server, client, pump } = connectedServerAndClient(
      AccumulatingProtocol,
      AccumulatingProtocol,
    );
    server.transport?.pauseProducing();
    client.transport?.write("wait");
    pump.flush();
    expect(server.text()).toBe("");
    server.transport?.resumeProducing();
    expect(server.text()).toBe("wait");
  });

  it("asks a pull producer for data on each pump until it unregisters", () => {
    const { server, client, pump } = connectedServerAndClient(
      AccumulatingProtocol,
      AccumulatingProtocol,
    );
    let left = 3;
    const producer = {
      resumeProducing() {
        if (left-- > 0) server.transport?.write("x");
        else server.transport?.unregisterProducer();
      },
      stopProducing() {},
    };
    server.transport?.registerProducer(producer, false);
    pump.flush();
    expect(client.text()).toBe("xxx");
  });

  it("propagates a protocol exception to the caller of pump()", () => {
    class Bad extends Protocol {
      override dataReceived(): void {
        throw new Error("bad input");
      }
    }
    const { client, pump } = connectedServerAndClient(Bad, AccumulatingProtocol);
    client.transport?.write("x");
    expect(() => pump.flush()).toThrow("bad input");
  });

  it("rejects a factory that refuses", () => {
    const refusing = new Factory();
    expect(() => connectedServerAndClient(refusing, AccumulatingProtocol)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG" }),
    );
  });
});
