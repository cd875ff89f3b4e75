import { Protocol } from "@lr/reactor";
import { deferred } from "@lr/reactor/internal";

/** Options of {@link AccumulatingProtocol}. */
export interface AccumulatingProtocolOptions {
  /** Called after each `connectionMade`. */
  onConnectionMade?: (protocol: AccumulatingProtocol) => void;
  /** Called after each `connectionLost`, with the reason. */
  onConnectionLost?: (protocol: AccumulatingProtocol, reason: Error) => void;
}

/**
 * A protocol that keeps everything that happens to it (Twisted's `AccumulatingProtocol`): received
 * bytes in {@link AccumulatingProtocol.data}, how many times the connection was made and lost, and the
 * close reason. `whenMade` / `whenClosed` let a test await those events.
 *
 * @example
 * ```ts
 * const factory = Factory.forProtocol(AccumulatingProtocol);
 * // ... connect ...
 * const protocol = await firstProtocol.whenClosed; // resolves with the close reason
 * ```
 */
export class AccumulatingProtocol extends Protocol {
  /** How many times `connectionMade` ran. */
  made = 0;
  /** How many times `connectionLost` ran. */
  closed = 0;
  /** The reason given to the last `connectionLost`, or `null`. */
  closedReason: Error | null = null;
  /** Resolves at the first `connectionMade`. */
  readonly whenMade: Promise<void>;
  /** Resolves with the reason at the first `connectionLost`. */
  readonly whenClosed: Promise<Error>;
  readonly #options: AccumulatingProtocolOptions;
  readonly #made: (value: undefined) => void;
  readonly #closed: (reason: Error) => void;
  #chunks: Buffer[] = [];

  constructor(options: AccumulatingProtocolOptions = {}) {
    super();
    this.#options = options;
    const made = deferred<undefined>();
    const closed = deferred<Error>();
    this.whenMade = made.promise.then(() => undefined);
    this.whenClosed = closed.promise;
    this.#made = made.resolve;
    this.#closed = closed.resolve;
  }

  /** All bytes received so far. */
  get data(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  /** {@link AccumulatingProtocol.data} decoded as UTF-8. */
  text(): string {
    return this.data.toString("utf8");
  }

  /** Counts the connection and resolves `whenMade`. */
  override connectionMade(): void {
    this.made++;
    this.#made(undefined);
    this.#options.onConnectionMade?.(this);
  }

  /** Appends a copy of the bytes to `data`. */
  override dataReceived(data: Uint8Array): void {
    this.#chunks.push(Buffer.from(data));
  }

  /** Counts the loss, keeps the reason and resolves `whenClosed`. */
  override connectionLost(reason: Error): void {
    super.connectionLost(reason);
    this.closed++;
    this.closedReason = reason;
    this.#closed(reason);
    this.#options.onConnectionLost?.(this, reason);
  }
}
