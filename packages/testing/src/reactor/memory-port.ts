import {
  type Address,
  CannotListenError,
  type FactoryLike,
  type ListeningPort,
  NotListeningError,
} from "@lr/reactor";

/** What a {@link MemoryListeningPort} needs from the memory reactor that owns it. */
export interface MemoryPortOwner {
  /** Picks the bound address (or throws `CannotListenError`). */
  bind(port: MemoryListeningPort): Address;
  /** Releases the address. */
  unbind(port: MemoryListeningPort): void;
  /** The port is closed (or failed to bind) and should be forgotten. */
  portClosed(port: MemoryListeningPort): void;
  /** Reports an error nobody may be waiting for. */
  report(message: string, error: unknown): void;
}

/** Where a {@link MemoryListeningPort} listens: a TCP port (and host) or a UNIX path. */
export type MemoryPortSpec =
  | {
      readonly type: "TCP";
      readonly port: number;
      readonly host: string | undefined;
      readonly backlog: number;
    }
  | { readonly type: "UNIX"; readonly path: string; readonly backlog: number };

/**
 * The fake {@link ListeningPort} a memory reactor returns from `listenTCP`/`listenUNIX`. It "binds"
 * when the reactor runs (at once if it is running): with a `MemoryNetwork`, it becomes reachable by
 * `connectTCP`/`connectUNIX` from reactors on that network; port 0 gets a free port number.
 */
export class MemoryListeningPort implements ListeningPort {
  /** What was asked for. */
  readonly spec: MemoryPortSpec;
  /** The factory given to `listenTCP`/`listenUNIX`. */
  readonly factory: FactoryLike;
  #state: "pending" | "listening" | "closed" = "pending";
  #address: Address | null = null;
  #factoryStarted = false;
  #closed: Promise<void> | null = null;
  readonly #listening: Promise<Address>;
  #resolve!: (address: Address) => void;
  #reject!: (error: unknown) => void;
  readonly #owner: MemoryPortOwner;

  /** @internal created by a memory reactor */
  constructor(spec: MemoryPortSpec, factory: FactoryLike, owner: MemoryPortOwner) {
    this.spec = spec;
    this.factory = factory;
    this.#owner = owner;
    this.#listening = new Promise<Address>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#listening.catch(() => {});
  }

  /** `pending` (the reactor has not run yet), `listening` or `closed`. */
  get state(): "pending" | "listening" | "closed" {
    return this.#state;
  }

  /** A human-readable description (`*:9000`, `unix:/tmp/s`). */
  describe(): string {
    const s = this.spec;
    return s.type === "UNIX" ? `unix:${s.path}` : `${s.host ?? "*"}:${s.port}`;
  }

  /** @internal called by the reactor when it runs */
  start(): void {
    if (this.#state !== "pending") return;
    let address: Address;
    try {
      address = this.#owner.bind(this);
    } catch (error) {
      const failure =
        error instanceof CannotListenError ? error : new CannotListenError(this.describe(), error);
      this.#state = "closed";
      this.#closed = Promise.resolve();
      this.#reject(failure);
      this.#owner.report(failure.message, failure);
      this.#owner.portClosed(this);
      return;
    }
    this.#state = "listening";
    this.#address = address;
    this.factory.doStart();
    this.#factoryStarted = true;
    this.#resolve(address);
  }

  /** The bound address. Throws `NotListeningError` (`ERR_NOT_LISTENING`) before the port is bound. */
  getHost(): Address {
    if (this.#address === null)
      throw new NotListeningError(
        `The port ${this.describe()} is not listening (state: ${this.#state}).`,
      );
    return this.#address;
  }

  /** Resolves with the bound address once the reactor ran; rejects with `CannotListenError` if the address is taken on the network. */
  whenListening(): Promise<Address> {
    return this.#listening;
  }

  /** Stops listening (existing connections are untouched), calls the factory's `doStop`. Idempotent. */
  stopListening(): Promise<void> {
    if (this.#closed) return this.#closed;
    const was = this.#state;
    this.#state = "closed";
    this.#closed = Promise.resolve();
    if (was === "pending")
      this.#reject(
        new NotListeningError(`The port ${this.describe()} was closed before it was bound.`),
      );
    if (was === "listening") this.#owner.unbind(this);
    if (this.#factoryStarted) {
      this.#factoryStarted = false;
      try {
        this.factory.doStop();
      } catch (error) {
        this.#owner.report(`Unhandled error in ${this.factory.constructor.name}.doStop`, error);
      }
    }
    this.#owner.portClosed(this);
    return this.#closed;
  }
}
