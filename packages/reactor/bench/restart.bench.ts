/**
 * One run/stop cycle of a reactor with one listener and one client connection, against the raw
 * node:net floor doing the same (create a server, listen, connect, close everything). Then 1,000
 * cycles with handles and file descriptors counted before and after.
 */
// The built package is measured, as users run it (turbo builds it before `bench`): the sources
// run through tsx measured up to 10% slower.
import { readdirSync } from "node:fs";
import { connect, createServer } from "node:net";
import { bench } from "@lr/bench";
import {
  ClientFactory,
  createReactor,
  nullLogger,
  Protocol,
  ServerFactory,
} from "../dist/index.js";

const CYCLES = Number(process.env.LR_BENCH_CYCLES ?? 200);
const RUNS = Number(process.env.LR_BENCH_RUNS ?? 7);
const reactor = createReactor({ logger: nullLogger });

// One free port, found once and reused by both sides: listen(0) makes the kernel search for a free
// port, and that search slows down by up to a millisecond as closed connections pile up in
// TIME_WAIT (both sides close thousands here), which would swamp what is being compared.
const PORT = await new Promise<number>((resolve) => {
  const probe = createServer();
  probe.listen({ port: 0, host: "127.0.0.1" }, () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
});

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
  const port = reactor.listenTCP(PORT, ServerFactory.forProtocol(Protocol), { host: "127.0.0.1" });
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
  await new Promise<void>((res) => server.listen({ port: PORT, host: "127.0.0.1" }, res));
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

// Cycles are timed one by one and interleaved (lr, raw, raw, lr, ...), not in blocks of N of each:
// every cycle leaves TCP connections in TIME_WAIT, and the kernel's cost of bind(0)/connect grows
// with that backlog by hundreds of microseconds, so a block of one kind measured after a block of
// the other ran under different kernel conditions. Interleaving gives both the same conditions.
const lrTimes: number[] = [];
const rawTimes: number[] = [];
const timed = async (fn: () => Promise<void>, into: number[]): Promise<void> => {
  const t0 = performance.now();
  await fn();
  into.push(performance.now() - t0);
};
const row = await bench(`run/stop cycle (listener+conn), 1 cycle`, {
  run: () => timed(lrCycle, lrTimes),
  baseline: { name: "raw node:net floor", run: () => timed(rawCycle, rawTimes) },
  runs: CYCLES * RUNS,
  warmup: 100,
});
const warm = (xs: number[]): number[] => xs.slice(100);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(p * (s.length - 1))] as number;
};
const us = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;
const [l, r] = [warm(lrTimes), warm(rawTimes)];
console.log(
  `\nper cycle over ${l.length} interleaved cycles: median ${us(row.medianMs)} vs ${us(row.baselineMedianMs)} (${row.ratio.toFixed(2)}x), ` +
    `mean ${us(mean(l))} vs ${us(mean(r))} (${(mean(l) / mean(r)).toFixed(2)}x), p90 ${us(pct(l, 0.9))} vs ${us(pct(r, 0.9))}`,
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
