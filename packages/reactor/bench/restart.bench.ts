/**
 * One run/stop cycle of a reactor with one listener and one client connection, against the raw
 * node:net floor doing the same (create a server, listen, connect, close everything). Then 1,000
 * cycles with handles and file descriptors counted before and after.
 */
import { readdirSync } from "node:fs";
import { connect, createServer } from "node:net";
import { bench } from "@lr/bench";
import { ClientFactory, createReactor, nullLogger, Protocol, ServerFactory } from "../src/index.js";

const CYCLES = Number(process.env.LR_BENCH_CYCLES ?? 200);
const RUNS = Number(process.env.LR_BENCH_RUNS ?? 7);
const reactor = createReactor({ logger: nullLogger });

// The protocol and factory classes are defined once, as an application would: defining new classes
// in every cycle (as this benchmark first did) made V8 see a new object shape per cycle and added
// inline-cache misses to the measured cycle that neither a real app nor the node:net floor has.
class ClientProtocol extends Protocol {
  constructor(private readonly made: () => void) {
    super();
  }
  override connectionMade(): void {
    this.made();
  }
}
class OneClientFactory extends ClientFactory {
  constructor(private readonly client: ClientProtocol) {
    super();
  }
  override buildProtocol(): ClientProtocol {
    return this.client;
  }
}

async function lrCycle(): Promise<void> {
  const port = reactor.listenTCP(0, ServerFactory.forProtocol(Protocol), { host: "127.0.0.1" });
  let made!: () => void;
  const connected = new Promise<void>((res) => {
    made = res;
  });
  const factory = new OneClientFactory(new ClientProtocol(made));
  reactor.callWhenRunning(() => {
    void port.whenListening().then((addr) => {
      if (addr.type === "TCP") reactor.connectTCP("127.0.0.1", addr.port, factory);
    });
  });
  const done = reactor.run();
  await connected;
  await reactor.stop();
  await done;
}

async function rawCycle(): Promise<void> {
  const server = createServer({ allowHalfOpen: true });
  await new Promise<void>((res) => server.listen({ port: 0, host: "127.0.0.1" }, res));
  const { port } = server.address() as { port: number };
  const accepted = new Promise<import("node:net").Socket>((res) => server.once("connection", res));
  const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  await new Promise<void>((res) => socket.once("connect", () => res()));
  const peer = await accepted;
  const closed = new Promise<void>((res) => server.close(() => res()));
  await Promise.all([
    new Promise<void>((res) => {
      peer.once("close", () => res());
      peer.end();
    }),
    new Promise<void>((res) => {
      socket.once("close", () => res());
      socket.end();
    }),
  ]);
  await closed;
}

async function times(n: number, fn: () => Promise<void>): Promise<void> {
  for (let i = 0; i < n; i++) await fn();
}

const row = await bench(`run/stop cycle (listener+conn) ×${CYCLES}`, {
  run: () => times(CYCLES, lrCycle),
  baseline: { name: "raw node:net floor", run: () => times(CYCLES, rawCycle) },
  runs: RUNS,
  warmup: 1,
});
console.log(
  `\nper cycle: @lr/reactor ${((row.medianMs / CYCLES) * 1000).toFixed(0)} µs, node:net ${((row.baselineMedianMs / CYCLES) * 1000).toFixed(0)} µs, ratio ${row.ratio.toFixed(2)}x`,
);

const fds = (): number => readdirSync("/proc/self/fd").length;
const handles = (): number =>
  process.getActiveResourcesInfo().filter((t) => t !== "Timeout").length;
await lrCycle();
const fd0 = fds();
const h0 = handles();
await times(1000, lrCycle);
console.log(
  `1,000 cycles: file descriptors ${fd0} → ${fds()} (leaked ${fds() - fd0}), handles ${h0} → ${handles()} (leaked ${handles() - h0}), resources owned: ${reactor.getResources().length}`,
);
