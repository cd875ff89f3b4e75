/**
 * The README's "Simulation" examples, as code the tests run: a PING/PONG exchange whose server is
 * deliberately naive (it assumes one `dataReceived` per message), and a correct one that buffers.
 */
import { ClientFactory, Protocol, ServerFactory } from "@lr/reactor";
import type { Simulation } from "../src/index.js";

/** Naive: takes every `dataReceived` for one whole `PING\r\n` message. */
export class NaivePong extends Protocol {
  override dataReceived(data: Uint8Array): void {
    const ok = Buffer.from(data).toString() === "PING\r\n";
    this.transport?.write(ok ? "PONG\r\n" : "ERROR\r\n");
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

/** Sends `count` PINGs, one at a time, and keeps everything the server answers. */
class Pinger extends Protocol {
  replies = "";
  #left: number;
  constructor(
    count: number,
    private readonly done: (replies: string) => void,
  ) {
    super();
    this.#left = count;
  }
  override connectionMade(): void {
    this.transport?.write("PING\r\n");
  }
  override dataReceived(data: Uint8Array): void {
    this.replies += Buffer.from(data).toString();
    const answered = this.replies.split("\r\n").length - 1;
    if (answered < this.#left) {
      if (this.replies.endsWith("\r\n")) this.transport?.write("PING\r\n");
    } else this.transport?.loseConnection();
  }
  override connectionLost(): void {
    this.done(this.replies);
  }
}

/** The program: a server with `pong` on host "server", a client sending 5 PINGs; resolves with what it heard. */
export function pingPong(sim: Simulation, pong: typeof NaivePong): Promise<string> {
  const server = sim.host("server");
  const client = sim.host("client");
  server.listenTCP(9000, ServerFactory.forProtocol(pong));
  void server.run();
  void client.run();
  return new Promise((resolve) => {
    const factory = new (class extends ClientFactory {
      override buildProtocol() {
        return new Pinger(5, resolve);
      }
    })();
    client.connectTCP("server", 9000, factory);
  });
}
