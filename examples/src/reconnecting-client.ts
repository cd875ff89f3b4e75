// A client that keeps coming back: ReconnectingClientFactory reconnects with Twisted's backoff
// after a refused connection or a lost one. It prints the first line of each session and stops
// the reactor after N sessions.
//   node dist/reconnecting-client.js <port> [sessions]   (default 3 sessions)
import { LineReceiver } from "@lr/line-protocol";
import { type Connector, createReactor, ReconnectingClientFactory } from "@lr/reactor";

const port = Number(process.argv[2]);
const sessions = Number(process.argv[3] ?? 3);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: reconnecting-client <port> [sessions]");
  process.exit(2);
}

const reactor = createReactor();
let done = 0;

class Greeted extends LineReceiver {
  constructor(private readonly owner: Reconnecting) {
    super();
  }
  override connectionMade() {
    this.owner.resetDelay(); // a successful connection starts the backoff over
  }
  override lineReceived(line: string) {
    done++;
    console.log(`session ${done}: ${line}`);
    if (done === sessions) {
      this.owner.stopTrying();
      void reactor.stop();
    }
  }
}

class Reconnecting extends ReconnectingClientFactory {
  override initialDelay = 50;
  override delay = 50;
  override maxDelay = 1_000;
  override buildProtocol() {
    return new Greeted(this);
  }
  override clientConnectionFailed(connector: Connector, reason: Error) {
    console.log(`connection failed (${(reason as Error & { code?: string }).code}), retrying`);
    super.clientConnectionFailed(connector, reason);
  }
  override clientConnectionLost(connector: Connector, reason: Error) {
    if (this.continueTrying) console.log("connection lost, reconnecting");
    super.clientConnectionLost(connector, reason);
  }
}

reactor.connectTCP("127.0.0.1", port, new Reconnecting());
await reactor.run();
console.log(`done after ${done} sessions`);
