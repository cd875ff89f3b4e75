// The restartable reactor: the same reactor runs three times. Each run binds a LineReceiver
// server on a free port, connects a client to it, exchanges a line, and stops; nothing is left
// open between runs (getResources() is empty).
//   node dist/restart-loop.js
import { LineReceiver } from "@lr/line-protocol";
import { ClientFactory, createReactor, ServerFactory } from "@lr/reactor";

class Server extends LineReceiver {
  override lineReceived(line: string) {
    this.sendLine(`got ${line}`);
  }
}

const reactor = createReactor();

for (let round = 1; round <= 3; round++) {
  const port = reactor.listenTCP(0, ServerFactory.forProtocol(Server), { host: "127.0.0.1" });
  reactor.callWhenRunning(async () => {
    const address = await port.whenListening();
    if (address.type !== "TCP") throw new Error("expected a TCP port");
    const client = new ClientFactory();
    client.buildProtocol = () =>
      new (class extends LineReceiver {
        override connectionMade() {
          this.sendLine(`hello from round ${round}`);
        }
        override lineReceived(line: string) {
          console.log(`round ${round}: ${line}`);
          void reactor.stop();
        }
      })();
    reactor.connectTCP("127.0.0.1", address.port, client);
  });
  await reactor.run(); // resolves once fully stopped
  console.log(`round ${round}: stopped, ${reactor.getResources().length} resources left`);
}
