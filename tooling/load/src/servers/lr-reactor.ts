/**
 * Diagnostic server: @lr/reactor with the SAME `indexOf` framing as the raw node:net baseline. The
 * gap between this and raw node:net is the reactor's cost (transport, protocol dispatch); the gap
 * between this and apps/server is the line protocol's and the app's.
 */
import { writeSync } from "node:fs";
import { createReactor, Protocol, ServerFactory } from "@lr/reactor";
import { announce, finish, type Stats, serverArgs } from "./common.js";

const args = serverArgs();
const stats: Stats = { connections: 0, lines: 0, bytes: 0 };
let _last: Buffer | null = null; // keeps the per-line view observable

class CountingLines extends Protocol {
  #rest: Buffer | null = null;

  override connectionMade(): void {
    stats.connections++;
  }

  override dataReceived(data: Uint8Array): void {
    const chunk = data as Buffer;
    stats.bytes += chunk.length;
    const buf = this.#rest === null ? chunk : Buffer.concat([this.#rest, chunk]);
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      _last = buf.subarray(start, end); // a view per line, as in the raw baseline
      stats.lines++;
      start = nl + 1;
    }
    this.#rest = start < buf.length ? buf.subarray(start) : null;
  }
}

const reactor = createReactor({ shutdownTimeoutMs: 5000 });
// Node's own default backlog (511), as the node:net baselines get: with the Twisted default of 50 a
// burst of 100 connects overflows the accept queue and the kernel drops SYNs (1 s retransmit).
const port = reactor.listenTCP(args.port, ServerFactory.forProtocol(CountingLines), {
  host: args.host,
  backlog: 511,
});
reactor.callWhenRunning(async () => {
  const addr = await port.whenListening();
  if (addr.type !== "TCP") throw new Error("not a TCP address");
  announce(args.host, addr.port);
});
const stop = (): void => {
  if (reactor.running) void reactor.stop();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
reactor.run().then(
  () => finish(stats),
  (error: unknown) => {
    writeSync(2, `lr-reactor: ${String(error)}\n`);
    process.exit(1);
  },
);
