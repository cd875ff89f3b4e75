/**
 * The seed scenario (a line server, and a client that runs the SAME reactor 3 times) written against
 * the reactor interfaces only, so it runs unchanged on the real reactor and in virtual time. Used by
 * the flagship test and the README; not part of the package's API.
 */
import {
  ClientFactory,
  type ConnectionClosed,
  Protocol,
  type ReactorLike,
  ServerFactory,
} from "@lr/reactor";

/** Splits CRLF-terminated lines (a minimal stand-in for @lr/line-protocol, which depends on this package). */
export class LineSplitter extends Protocol {
  #buffer = "";
  override dataReceived(data: Uint8Array): void {
    this.#buffer += Buffer.from(data).toString("utf8");
    for (let i = this.#buffer.indexOf("\r\n"); i >= 0; i = this.#buffer.indexOf("\r\n")) {
      const line = this.#buffer.slice(0, i);
      this.#buffer = this.#buffer.slice(i + 2);
      this.lineReceived(line);
    }
  }
  lineReceived(_line: string): void {}
  sendLine(line: string): void {
    this.transport?.write(`${line}\r\n`);
  }
}

/** Where the scenario reports what happens. */
export type Trace = (who: "server" | "client", text: string) => void;

/** The seed's server: prints connections, lines and losses. */
export function serverFactory(trace: Trace): ServerFactory {
  class LineServer extends LineSplitter {
    override connectionMade(): void {
      trace("server", "server received a connection!");
    }
    override lineReceived(line: string): void {
      trace("server", "in lineReceived");
      trace("server", `data => ${line}`);
    }
    override connectionLost(reason: Error): void {
      super.connectionLost(reason);
      trace("server", "Connection lost");
      trace("server", (reason as ConnectionClosed).code);
    }
  }
  return ServerFactory.forProtocol(LineServer);
}

/** The seed's client factory: runs the long job off the loop, sends `finished`, stops the reactor 5 s later. */
export function clientFactory(
  reactor: ReactorLike,
  trace: Trace,
  jobModule: string,
): ClientFactory {
  class LineClient extends LineSplitter {
    override async connectionMade(): Promise<void> {
      trace("client", "client connected!");
      trace("client", "running process");
      await reactor.deferToThread(jobModule, "longJob", 5);
      trace("client", "process finished!");
      this.sendLine("finished");
      reactor.callLater(5000, () => reactor.stop());
    }
    override lineReceived(line: string): void {
      trace("client", `Received data: ${line}`);
    }
    override connectionLost(reason: Error): void {
      super.connectionLost(reason);
      trace("client", "Connection lost");
    }
  }
  return ClientFactory.forProtocol(LineClient);
}

/** The seed's client main loop: the same reactor, run `tries` times. */
export async function runClient(
  reactor: ReactorLike,
  port: number,
  trace: Trace,
  jobModule: string,
  tries = 3,
): Promise<void> {
  const factory = clientFactory(reactor, trace, jobModule);
  while (tries > 0) {
    reactor.connectTCP("localhost", port, factory, { timeoutMs: 30_000 });
    await reactor.run();
    tries--;
    trace("client", `tries ${tries}`);
  }
}
