/**
 * A small two-host program for the Simulation's own tests (in-process and in a child process):
 * a line echo server, and a client that waits for a (simulated) thread job, sends `lines` lines,
 * counts the echoes and retries a lost or refused connection up to `tries` times.
 */
import { ClientFactory, type Connector, Protocol, ServerFactory } from "@lr/reactor";
import { ALL_FAULTS, Simulation, type SimulationFaults } from "../src/index.js";

/** Splits CRLF lines (a stand-in for @lr/line-protocol, which depends on this package). */
class Lines extends Protocol {
  #buffer = "";
  override dataReceived(data: Uint8Array): void {
    this.#buffer += Buffer.from(data).toString("latin1");
    for (let i = this.#buffer.indexOf("\r\n"); i >= 0; i = this.#buffer.indexOf("\r\n")) {
      const line = this.#buffer.slice(0, i);
      this.#buffer = this.#buffer.slice(i + 2);
      this.lineReceived(line);
    }
  }
  lineReceived(_line: string): void {}
}

/** What the echo scenario saw. */
export interface EchoOutcome {
  readonly tries: number;
  readonly echoed: number;
  readonly serverLines: number;
  readonly complete: boolean;
}

/** Runs the echo scenario on `sim`; resolves when the client has given up or got every echo. */
export async function echoScenario(sim: Simulation, lines = 20, tries = 3): Promise<EchoOutcome> {
  const server = sim.host("server");
  const client = sim.host("client");
  let serverLines = 0;
  class Echo extends Lines {
    override lineReceived(line: string): void {
      serverLines++;
      this.transport?.write(`${line}\r\n`);
    }
  }
  server.listenTCP(9000, ServerFactory.forProtocol(Echo));
  void server.run();
  let echoed = 0;
  let ran = 0;
  let complete = false;
  const stop = () => {
    if (client.state === "running") void client.stop();
  };
  class Sender extends Lines {
    #got = 0;
    override async connectionMade(): Promise<void> {
      await client.deferToThread("./job.js", "work", 1);
      // Two writes in one turn (coalescing) and one line split over two writes (chunking either way).
      for (let i = 0; i < lines - 1; i++) this.transport?.write(`line ${i}\r\n`);
      this.transport?.write("last ");
      this.transport?.write("line\r\n");
    }
    override lineReceived(_line: string): void {
      echoed++;
      if (++this.#got === lines) {
        complete = true;
        client.callLater(100, () => this.transport?.loseConnection());
      }
    }
    override connectionLost(): void {
      stop();
    }
  }
  const factory = new (class extends ClientFactory {
    override protocol = Sender;
    override clientConnectionFailed(_c: Connector, _reason: Error): void {
      stop();
    }
  })();
  while (!complete && ran < tries) {
    ran++;
    client.connectTCP("server", 9000, factory, { timeoutMs: 5000 });
    await client.run();
  }
  await server.stop();
  return { tries: ran, echoed, serverLines, complete };
}

/** Runs the echo scenario for `seed` with every fault on; returns the trace and the outcome. */
export async function runEcho(
  seed: number,
  faults: SimulationFaults = ALL_FAULTS,
): Promise<{ trace: unknown; outcome: EchoOutcome; sim: Simulation }> {
  const sim = new Simulation({ seed, faults, threadJobMs: [500, 1500] });
  let outcome: EchoOutcome | undefined;
  void echoScenario(sim).then((o) => {
    outcome = o;
  });
  await sim.run({ until: () => outcome !== undefined, untilMs: 600_000 });
  if (!outcome) throw new Error(`seed ${seed}: the echo scenario did not finish`);
  return { trace: sim.trace, outcome, sim };
}
