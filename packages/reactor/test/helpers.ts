/** Small helpers shared by the reactor's own tests (not exported, not published). */

import { type Deferred, deferred } from "../src/core/helpers.js";
import type {
  ClientFactoryLike,
  FactoryLike,
  ListeningPort,
  ProtocolLike,
} from "../src/core/interfaces.js";
import type { LogEvent, Logger } from "../src/core/logger.js";
import { Protocol } from "../src/core/protocol.js";
import { createReactor, type Reactor, type ReactorOptions } from "../src/node/reactor.js";

/** A Promise with its resolve/reject exposed, for awaiting an event instead of sleeping. */
export { type Deferred, deferred };

/** A logger that keeps every event. */
export function collectingLogger(): Logger & { readonly events: LogEvent[] } {
  const events: LogEvent[] = [];
  return { events, emit: (e) => events.push(e) };
}

/** A reactor whose log goes to an array, with short shutdown bounds suited to tests. */
export function testReactor(
  options: ReactorOptions = {},
): Reactor & { readonly logged: LogEvent[] } {
  const logger = collectingLogger();
  const r = createReactor({
    logger,
    shutdownTimeoutMs: 2_000,
    triggerTimeoutMs: 2_000,
    ...options,
  });
  return Object.assign(r, { logged: logger.events });
}

/**
 * Starts `reactor` and resolves once it is running; `done` is the Promise `run()` returned.
 */
export async function start(reactor: Reactor): Promise<{ done: Promise<void> }> {
  const running = deferred();
  reactor.callWhenRunning(() => running.resolve());
  const done = reactor.run();
  await running.promise;
  return { done };
}

/** A protocol that records everything that happens to it. */
export class Recorder extends Protocol {
  readonly chunks: Uint8Array[] = [];
  bytes = 0;
  reason: Error | null = null;
  readonly made = deferred();
  readonly lost = deferred<Error>();
  onData: ((data: Uint8Array) => void) | null = null;

  override connectionMade(): void {
    this.made.resolve();
  }

  override dataReceived(data: Uint8Array): void {
    this.chunks.push(data);
    this.bytes += data.byteLength;
    this.onData?.(data);
  }

  override connectionLost(reason: Error): void {
    super.connectionLost(reason);
    this.reason = reason;
    this.lost.resolve(reason);
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/** Resolves when `predicate` holds, checked after every chunk a recorder receives. */
export function whenReceived(p: Recorder, predicate: (p: Recorder) => boolean): Promise<void> {
  const d = deferred();
  if (predicate(p)) d.resolve();
  const prev = p.onData;
  p.onData = (data) => {
    prev?.(data);
    if (predicate(p)) d.resolve();
  };
  return d.promise;
}

/** A server factory building the given protocols in turn (one per accepted connection). */
export function serverFactoryOf(
  ...protocols: ProtocolLike[]
): FactoryLike & { starts: number; stops: number } {
  const queue = [...protocols];
  return {
    starts: 0,
    stops: 0,
    buildProtocol: () => queue.shift() ?? null,
    doStart() {
      this.starts++;
    },
    doStop() {
      this.stops++;
    },
  };
}

/** A client factory building `protocol` once, recording failures and losses. */
export function clientFactoryOf(protocol: ProtocolLike | null): ClientFactoryLike & {
  readonly failed: Deferred<Error>;
  readonly lost: Deferred<Error>;
  starts: number;
  stops: number;
} {
  const failed = deferred<Error>();
  const lost = deferred<Error>();
  return {
    failed,
    lost,
    starts: 0,
    stops: 0,
    buildProtocol: () => protocol,
    doStart() {
      this.starts++;
    },
    doStop() {
      this.stops++;
    },
    clientConnectionFailed: (_c, reason) => failed.resolve(reason),
    clientConnectionLost: (_c, reason) => lost.resolve(reason),
  };
}

/**
 * Listens on an ephemeral 127.0.0.1 port with `server` and connects `client` to it on a running
 * reactor; resolves once both sides' `connectionMade` ran.
 */
export async function connectedPair<S extends Recorder, C extends Recorder>(
  reactor: Reactor,
  server: S,
  client: C,
): Promise<{ server: S; client: C; port: ListeningPort }> {
  const port = reactor.listenTCP(0, serverFactoryOf(server), { host: "127.0.0.1" });
  const addr = await port.whenListening();
  if (addr.type !== "TCP") throw new Error("expected a TCP address");
  reactor.connectTCP("127.0.0.1", addr.port, clientFactoryOf(client));
  await Promise.all([server.made.promise, client.made.promise]);
  return { server, client, port };
}
