// An echo server: every byte a client sends comes back.
//   node dist/echo-server.js [port]      (default 8000; 0 picks a free port)
//   then: nc 127.0.0.1 8000
// Ctrl-C (SIGINT) or SIGTERM stops it gracefully.
import { createReactor, Protocol, runWithSignals, ServerFactory } from "@lr/reactor";

class Echo extends Protocol {
  override dataReceived(data: Uint8Array) {
    this.transport?.write(data);
  }
}

const port = Number(process.argv[2] ?? 8000);
const reactor = createReactor();
const listening = reactor.listenTCP(port, ServerFactory.forProtocol(Echo), { host: "127.0.0.1" });
reactor.callWhenRunning(async () => {
  const address = await listening.whenListening();
  console.log(`echo server listening on 127.0.0.1:${address.type === "TCP" ? address.port : "?"}`);
});
await runWithSignals(reactor);
console.log("echo server stopped");
