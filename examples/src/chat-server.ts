// A chat server on LineReceiver: each client first sends its name, then every line it sends goes
// to all the other clients as "<name>: <line>". Lines end with CRLF (use `nc -C`).
//   node dist/chat-server.js [port]      (default 8001; 0 picks a free port)
import { LineReceiver } from "@lr/line-protocol";
import { createReactor, runWithSignals, ServerFactory } from "@lr/reactor";

class Chat extends LineReceiver {
  name: string | null = null;
  constructor(private readonly room: Set<Chat>) {
    super();
  }
  override connectionMade() {
    this.sendLine("What is your name?");
  }
  override lineReceived(line: string) {
    if (this.name === null) {
      this.name = line.trim() || "anonymous";
      this.room.add(this);
      this.sendLine(`Welcome, ${this.name}! ${this.room.size} here.`);
      this.broadcast(`* ${this.name} joined`);
      return;
    }
    this.broadcast(`${this.name}: ${line}`);
  }
  override connectionLost(reason: Error) {
    if (this.room.delete(this)) this.broadcast(`* ${this.name} left`);
    super.connectionLost(reason);
  }
  private broadcast(text: string) {
    for (const other of this.room) if (other !== this) other.sendLine(text);
  }
}

class ChatFactory extends ServerFactory {
  readonly room = new Set<Chat>();
  override buildProtocol() {
    return new Chat(this.room);
  }
}

const port = Number(process.argv[2] ?? 8001);
const reactor = createReactor();
const listening = reactor.listenTCP(port, new ChatFactory(), { host: "127.0.0.1" });
reactor.callWhenRunning(async () => {
  const address = await listening.whenListening();
  console.log(`chat server listening on 127.0.0.1:${address.type === "TCP" ? address.port : "?"}`);
});
await runWithSignals(reactor);
