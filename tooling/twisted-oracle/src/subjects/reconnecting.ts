/** Subject "reconnecting": ReconnectingClientFactory's backoff with an injected uniform stream. */
import { type Connector, ReconnectingClientFactory, tcpAddress } from "@lr/reactor";
import { Clock } from "@lr/testing";
import * as fc from "fast-check";
import type { Subject, Trace, TraceEvent } from "../subject.js";

export type ReconnectOp =
  | { k: "failed" | "made" | "lost" | "stopTrying" | "resetDelay" | "retry" }
  | { k: "advance"; d: number };

export interface ReconnectProgram {
  params: {
    initialDelay: number;
    factor: number;
    maxDelay: number;
    jitter: number;
    maxRetries: number | null;
  };
  /** Uniform numbers in [0, 1), used round-robin by the jitter. */
  uniform: number[];
  ops: ReconnectOp[];
}

const op: fc.Arbitrary<ReconnectOp> = fc.oneof(
  {
    arbitrary: fc.record({
      k: fc.constantFrom(
        "failed" as const,
        "made" as const,
        "lost" as const,
        "stopTrying" as const,
        "resetDelay" as const,
        "retry" as const,
      ),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      k: fc.constant("advance" as const),
      d: fc.integer({ min: 0, max: 20_000 }),
    }),
    weight: 2,
  },
);

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

export const reconnectArbitrary: fc.Arbitrary<ReconnectProgram> = fc.record({
  params: fc.record({
    initialDelay: fc.integer({ min: 1, max: 5000 }),
    factor: fc.constantFrom(Math.E, 1.5, 2, 1),
    maxDelay: fc.integer({ min: 1, max: 60_000 }),
    jitter: fc.constantFrom(0, 0.119_626_565_582, 0.5),
    maxRetries: fc.option(fc.nat({ max: 6 }), { nil: null }),
  }),
  // Consumed in pairs (the ratio method draws two per try); the last pair always accepts, so no
  // stream can keep normalVariate looping forever on either side.
  uniform: fc
    .array(fc.tuple(unit, unit), { maxLength: 4 })
    .map((pairs) => [...pairs.flat(), 0.5, 0.5]),
  ops: fc.array(op, { minLength: 1, maxLength: 20 }),
});

function fakeConnector(
  events: TraceEvent[],
  clock: Clock,
): Connector & { state: Connector["state"] } {
  const c = {
    state: "disconnected" as Connector["state"],
    clock,
    connect(): void {
      c.state = "connecting";
      events.push(["connect", clock.now()]);
    },
    disconnect(): void {
      c.state = "disconnected";
    },
    stopConnecting(): void {
      if (c.state !== "connecting") throw new Error("not connecting");
      c.state = "disconnected";
      events.push(["stopConnecting"]);
    },
    getDestination: () => tcpAddress("127.0.0.1", 1),
  };
  return c;
}

/** Runs a program on `@lr/reactor`'s ReconnectingClientFactory with `@lr/testing`'s Clock. */
export function runReconnecting(program: ReconnectProgram): Trace {
  const clock = new Clock();
  const events: TraceEvent[] = [];
  let pos = 0;
  const f = new ReconnectingClientFactory();
  f.clock = clock;
  f.random = () => {
    const v = program.uniform[pos % program.uniform.length] ?? 0;
    pos++;
    return v;
  };
  const p = program.params;
  f.initialDelay = p.initialDelay;
  f.delay = f.initialDelay;
  f.factor = p.factor;
  f.maxDelay = p.maxDelay;
  f.jitter = p.jitter;
  f.maxRetries = p.maxRetries;
  const connector = fakeConnector(events, clock);
  const reason = new Error("oracle");
  for (const o of program.ops) {
    switch (o.k) {
      case "failed":
        connector.state = "disconnected";
        f.clientConnectionFailed(connector, reason);
        break;
      case "made":
        connector.state = "connected";
        f.resetDelay();
        break;
      case "lost":
        connector.state = "disconnected";
        f.clientConnectionLost(connector, reason);
        break;
      case "stopTrying":
        f.stopTrying();
        break;
      case "resetDelay":
        f.resetDelay();
        break;
      case "retry":
        try {
          f.retry();
        } catch {
          events.push(["retry-error"]);
        }
        break;
      case "advance":
        clock.advance(o.d);
        break;
    }
    events.push([o.k]);
    events.push(["state", f.delay, f.retries, f.continueTrying, f.callID !== null]);
  }
  events.push(["end", clock.now(), clock.getDelayedCalls().length]);
  return { events };
}

export const reconnectingSubject: Subject<ReconnectProgram> = {
  name: "reconnecting",
  title: "ReconnectingClientFactory",
  module: "time",
  pySubject: "reconnecting",
  arbitrary: reconnectArbitrary,
  runLr: runReconnecting,
  // Twisted computes in seconds, lr in ms: the same formula rounds differently in the last bits.
  approx: true,
};
