import type { Address } from "../core/address.js";
import { CannotListenError, NotListeningError } from "../core/errors.js";
import { callGuarded, deferred } from "../core/helpers.js";
import type { FactoryLike, ListeningPort } from "../core/interfaces.js";

/** Where a port listens: a TCP port (and host) or a UNIX path. A back end may add fields (TLS...). */
export type BasePortSpec =
  | {
      readonly type: "TCP";
      readonly port: number;
      readonly host: string | undefined;
      readonly backlog: number;
    }
  | { readonly type: "UNIX"; readonly path: string; readonly backlog: number };

/** `pending` (the reactor has not run yet), `binding`, `listening` or `closed`. */
export type PortState = "pending" | "binding" | "listening" | "closed";

/** What a port needs from the reactor that owns it. */
export interface PortOwner {
  /** The port stopped listening (or failed to bind) and should be forgotten. */
  portClosed(port: BasePort): void;
  /** Reports a bind failure nobody may be waiting for. */
  reportListenFailure(error: CannotListenError): void;
  /** Reports a factory callback (`doStart`, `doStop`) that threw or rejected. */
  reportCallbackError(where: string, error: unknown): void;
}

/**
 * The listening port every back end shares (the role of Twisted's `BasePort`): its states, the
 * `whenListening()` Promise, the factory's `doStart` when bound and `doStop` when closed (both
 * guarded: a throwing factory is reported and the port's Promises still settle). A back end fills
 * two hooks: {@link BasePort.bind} and {@link BasePort.release}.
 */
export abstract class BasePort<S extends BasePortSpec = BasePortSpec> implements ListeningPort {
  /** What was asked for. */
  readonly spec: S;
  /** The factory given to `listenTCP`/`listenUNIX`. */
  readonly factory: FactoryLike;
  readonly #owner: PortOwner;
  #state: PortState = "pending";
  #address: Address | null = null;
  readonly #listening = deferred<Address>();
  #closed: Promise<void> | null = null;
  #factoryStarted = false;

  constructor(spec: S, factory: FactoryLike, owner: PortOwner) {
    this.spec = spec;
    this.factory = factory;
    this.#owner = owner;
    // A bind failure is reported through the owner; awaiting whenListening() is optional.
    this.#listening.promise.catch(() => {});
  }

  /** `pending` (waiting for the reactor to run), `binding`, `listening` or `closed`. */
  get state(): PortState {
    return this.#state;
  }

  /** The bound address, or `null` before the port is bound. */
  protected get address(): Address | null {
    return this.#address;
  }

  /** A human-readable description of what the port listens on (`*:9000`, `unix:/tmp/s`). */
  describe(): string {
    const s = this.spec;
    return s.type === "UNIX" ? `unix:${s.path}` : `${s.host ?? "*"}:${s.port}`;
  }

  /** The bound address. Throws `NotListeningError` (`ERR_NOT_LISTENING`) before the port is bound. */
  getHost(): Address {
    if (this.#address === null)
      throw new NotListeningError(
        `The port ${this.describe()} is not listening (state: ${this.#state}).`,
      );
    return this.#address;
  }

  /** Resolves with the bound address; rejects with `CannotListenError` if binding fails. */
  whenListening(): Promise<Address> {
    return this.#listening.promise;
  }

  /** Binds. Called by the reactor (at startup, or at once if running); does nothing unless pending. */
  startListening(): void {
    if (this.#state !== "pending") return;
    this.#state = "binding";
    this.bind();
  }

  /**
   * Back end: binds, then calls {@link BasePort.bound} or {@link BasePort.bindFailed}, at once or
   * later. If `stopListening()` came meanwhile (`state` is `closed`), it must not call either.
   */
  protected abstract bind(): void;

  /**
   * Back end: releases what `bind` took, given the state the port was in. Returns a Promise that
   * settles once released (the factory's `doStop` runs then), or `undefined` if released at once.
   */
  protected abstract release(was: PortState): Promise<void> | undefined;

  /** Back end: the bind succeeded. Starts the factory and settles `whenListening()`. */
  protected bound(address: Address): void {
    this.#state = "listening";
    this.#address = address;
    this.#factoryStarted = true;
    this.#callFactory("doStart", () => this.factory.doStart());
    this.#listening.resolve(address);
  }

  /** Back end: the bind failed. The port is closed; `whenListening()` rejects with `CannotListenError`. */
  protected bindFailed(error: unknown): void {
    const failure =
      error instanceof CannotListenError ? error : new CannotListenError(this.describe(), error);
    this.#state = "closed";
    this.#closed = Promise.resolve();
    this.#listening.reject(failure);
    this.#owner.reportListenFailure(failure);
    this.#owner.portClosed(this);
  }

  /**
   * Stops listening (existing connections are untouched) and calls the factory's `doStop`. Idempotent;
   * the Promise always settles, even when `doStop` throws (that is reported).
   */
  stopListening(): Promise<void> {
    if (this.#closed) return this.#closed;
    const was = this.#state;
    this.#state = "closed";
    // Pending or still binding: whenListening() must settle, or whoever awaits it hangs forever.
    if (was !== "listening")
      this.#listening.reject(
        new NotListeningError(`The port ${this.describe()} was closed before it was bound.`),
      );
    const released = this.release(was);
    if (released === undefined) {
      this.#closed = Promise.resolve();
      this.#finishClose();
    } else {
      this.#closed = released.then(
        () => this.#finishClose(),
        (error: unknown) => {
          this.#owner.reportCallbackError(`releasing port ${this.describe()}`, error);
          this.#finishClose();
        },
      );
    }
    return this.#closed;
  }

  #finishClose(): void {
    if (this.#factoryStarted) {
      this.#factoryStarted = false;
      this.#callFactory("doStop", () => this.factory.doStop());
    }
    this.#owner.portClosed(this);
  }

  #callFactory(name: string, fn: () => unknown): void {
    callGuarded(fn, (error) =>
      this.#owner.reportCallbackError(`${this.factory.constructor.name}.${name}`, error),
    );
  }
}
