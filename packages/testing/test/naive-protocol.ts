/**
 * The README's "Property tests and replay" program, as code the tests run (keep the two in step): a
 * PING/PONG exchange whose server is deliberately naive (it assumes one `dataReceived` per message),
 * and, for comparison, a server that buffers until a whole line is there.
 */
import { ClientFactory, Protocol, ServerFactory } from "@lr/reactor";
import type { Simulation } from "../src/index.js";

/** Naive: takes every dataReceived for one whole "PING\r\n". */
export class NaivePong extends Protocol {
  override dataReceived(data: Uint8Array) {
    this.transport?.write(Buffer.from(data).toString() === "PING\r\n" ? "PONG\r\n" : "ERROR\r\n");
  }
}

/** Correct: buffers until a whole line is there, answers each line. */
export class BufferingPong extends Protocol {
  #buffer = "";
  override dataReceived(data: Uint8Array): void {
    this.#buffer += Buffer.from(data).toString();
    for (let i = this.#buffer.indexOf("\r\n"); i >= 0; i = this.#buffer.indexOf("\r\n")) {
      const ok = this.#buffer.slice(0, i) === "PING";
      this.#buffer = this.#buffer.slice(i + 2);
      this.transport?.write(ok ? "PONG\r\n" : "ERROR\r\n");
    }
  }
}

/** 5 PINGs, 100 ms apart, to `pong` on host "server"; resolves with every reply. */
export async function pingPong(sim: Simulation, pong = NaivePong): Promise<string> {
  const server = sim.host("server");
  const client = sim.host("client");
  let replies = "";
  class Pinger extends Protocol {
    override connectionMade() {
      for (let i = 1; i <= 5; i++)
        client.callLater(i * 100, () => this.transport?.write("PING\r\n"));
      client.callLater(1000, () => this.transport?.loseConnection());
    }
    override dataReceived(data: Uint8Array) {
      replies += Buffer.from(data).toString();
    }
    override connectionLost() {
      void client.stop();
    }
  }
  server.listenTCP(9000, ServerFactory.forProtocol(pong));
  client.connectTCP("server", 9000, ClientFactory.forProtocol(Pinger));
  void server.run();
  await client.run();
  return replies;
}
