/**
 * A push-to-pull bridge so a protocol's `dataReceived` can feed `for await` consumers.
 */
import type { Transport } from "@lr/reactor";

/** How much a {@link ChunkQueue} may hold before it pauses its transport. */
export interface ChunkQueueOptions {
  /** Pause the transport while more than this many bytes wait to be read (default 65536). */
  highWaterMark?: number;
  /** The transport to pause/resume for backpressure (optional). */
  transport?: Transport | null;
}

/**
 * An async iterable of chunks that a protocol pushes into: call `push(data)` from `dataReceived` and
 * `end()` / `error(reason)` from `connectionLost`; iterate it (or pass it to {@link lines}) elsewhere.
 * With a transport it pauses reading while `highWaterMark` bytes are unread, and resumes as the
 * consumer catches up.
 *
 * @example
 * ```ts
 * class Session extends Protocol {
 *   chunks = new ChunkQueue();
 *   override connectionMade() { this.chunks.setTransport(this.transport); void this.run(); }
 *   override dataReceived(d: Uint8Array) { this.chunks.push(d); }
 *   override connectionLost(r: Error) { this.chunks.end(); super.connectionLost(r); }
 *   async run() { for await (const line of lines(this.chunks)) this.transport?.write(`${line}\r\n`); }
 * }
 * ```
 */
export class ChunkQueue implements AsyncIterable<Uint8Array> {
  readonly #queue: Uint8Array[] = [];
  #bytes = 0;
  #done = false;
  #failure: unknown = undefined;
  #wake: (() => void) | null = null;
  #transport: Transport | null;
  #paused = false;
  readonly #highWaterMark: number;

  constructor(options: ChunkQueueOptions = {}) {
    this.#highWaterMark = options.highWaterMark ?? 65536;
    this.#transport = options.transport ?? null;
  }

  /** Sets (or replaces) the transport used for backpressure. */
  setTransport(transport: Transport | null): void {
    this.#transport = transport;
  }

  /** Adds a chunk (ignored after `end()`/`error()`). */
  push(chunk: Uint8Array): void {
    if (this.#done || chunk.length === 0) return;
    this.#queue.push(chunk);
    this.#bytes += chunk.length;
    if (this.#bytes > this.#highWaterMark && !this.#paused && this.#transport !== null) {
      this.#paused = true;
      this.#transport.pauseProducing();
    }
    this.#signal();
  }

  /** Ends the iteration once the queued chunks are read. */
  end(): void {
    this.#done = true;
    this.#signal();
  }

  /** Ends the iteration with `reason` thrown to the consumer after the queued chunks. */
  error(reason: unknown): void {
    this.#failure = reason ?? new Error("ChunkQueue failed");
    this.end();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void> {
    for (;;) {
      const chunk = this.#queue.shift();
      if (chunk !== undefined) {
        this.#bytes -= chunk.length;
        if (this.#paused && this.#bytes <= this.#highWaterMark / 2) {
          this.#paused = false;
          this.#transport?.resumeProducing();
        }
        yield chunk;
        continue;
      }
      if (this.#done) {
        if (this.#failure !== undefined) throw this.#failure;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }
}
