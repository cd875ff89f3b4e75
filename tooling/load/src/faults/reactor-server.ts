/**
 * In-process test servers on @lr/reactor, for the faults that need a server doing something the
 * app does not (throwing from a callback, writing to a client that never reads).
 */
import {
  createReactor,
  Factory,
  type LogEvent,
  type ProtocolLike,
  type Reactor,
} from "@lr/reactor";

/** A reactor listening on 127.0.0.1 with a fresh protocol per connection, already running. */
export interface RunningServer {
  readonly reactor: Reactor;
  readonly port: number;
  /** Everything the reactor logged (errors caught from callbacks, ...). */
  readonly logged: LogEvent[];
  /** Stops the reactor; resolves when it has fully stopped. */
  stop(): Promise<void>;
}

/** Starts a reactor serving `build()` protocols on an ephemeral loopback port. */
export async function runServer(build: () => ProtocolLike): Promise<RunningServer> {
  const logged: LogEvent[] = [];
  const reactor = createReactor({
    logger: { emit: (e) => logged.push(e) },
    shutdownTimeoutMs: 2000,
  });
  const factory = new Factory();
  factory.buildProtocol = () => build();
  const listening = reactor.listenTCP(0, factory, { host: "127.0.0.1", backlog: 511 });
  const done = reactor.run();
  const addr = await listening.whenListening();
  if (addr.type !== "TCP") throw new Error("not TCP");
  return {
    reactor,
    port: addr.port,
    logged,
    stop: async () => {
      if (reactor.running) await reactor.stop();
      await done;
    },
  };
}

/** Splits a byte stream into CRLF/LF lines (the part of a line protocol these tests need). */
export class LineSplitter {
  #rest: Buffer | null = null;

  /** Feeds a chunk; calls `onLine` per complete line, in order. Exceptions from `onLine` propagate. */
  push(chunk: Uint8Array, onLine: (line: string) => void): void {
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const buf = this.#rest === null ? data : Buffer.concat([this.#rest, data]);
    let start = 0;
    try {
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
        const line = buf.toString("utf8", start, end);
        start = nl + 1;
        onLine(line);
      }
    } finally {
      this.#rest = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    }
  }
}
