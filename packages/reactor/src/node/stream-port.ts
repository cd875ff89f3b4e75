import { createServer, type Server, type Socket } from "node:net";
import type { TlsOptions } from "node:tls";
import { type Address, tcpAddress, unixAddress } from "../core/address.js";
import { CannotListenError, NotListeningError } from "../core/errors.js";
import type { FactoryLike, ListeningPort } from "../core/interfaces.js";
import { nodeTls } from "./node-tls.js";

/** Where a {@link StreamPort} listens. */
export type PortSpec =
  | {
      readonly type: "TCP";
      readonly port: number;
      readonly host: string | undefined;
      readonly backlog: number;
      readonly tls?: TlsOptions;
    }
  | { readonly type: "UNIX"; readonly path: string; readonly backlog: number };

/** What a port needs from the reactor that owns it. */
export interface PortOwner {
  /** A connection was accepted on `port`. */
  accept(port: StreamPort, socket: Socket): void;
  /** The port stopped listening (or failed to bind) and should be forgotten. */
  portClosed(port: StreamPort): void;
  /** Report a bind failure nobody may be waiting for. */
  reportListenFailure(port: StreamPort, error: CannotListenError): void;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A listening TCP or UNIX port. Created by `listenTCP`/`listenUNIX`; binds when `startListening()` is
 * called by the reactor (at startup, or at once when the reactor is already running).
 */
export class StreamPort implements ListeningPort {
  readonly spec: PortSpec;
  readonly factory: FactoryLike;
  #owner: PortOwner;
  #server: Server | null = null;
  #state: "pending" | "binding" | "listening" | "closed" = "pending";
  #host: Address | null = null;
  #listening = deferred<Address>();
  #closed: Promise<void> | null = null;
  #fullyClosed: Promise<void> = Promise.resolve();
  #factoryStarted = false;
  /** Settles `fullyClosed()` of a port stopped while it was still binding. */
  #bindSettled: (() => void) | null = null;

  constructor(spec: PortSpec, factory: FactoryLike, owner: PortOwner) {
    this.spec = spec;
    this.factory = factory;
    this.#owner = owner;
    // A bind failure is reported through the owner's logger; awaiting whenListening() is optional.
    this.#listening.promise.catch(() => {});
  }

  /** `pending` (waiting for the reactor to run), `binding`, `listening` or `closed`. */
  get state(): "pending" | "binding" | "listening" | "closed" {
    return this.#state;
  }

  /** A human-readable description of what the port listens on. */
  describe(): string {
    const s = this.spec;
    return s.type === "UNIX" ? `unix:${s.path}` : `${s.host ?? "*"}:${s.port}`;
  }

  /** Binds the socket. Called by the reactor; does nothing unless the port is pending. */
  startListening(): void {
    if (this.#state !== "pending") return;
    this.#state = "binding";
    const tls = this.spec.type === "TCP" ? this.spec.tls : undefined;
    // TLS: no half-open sockets, or a peer that gives up mid-handshake leaves a socket nobody owns
    // (server.close() would then wait for it forever).
    const server = tls
      ? nodeTls().createServer({ ...tls, allowHalfOpen: false })
      : createServer({ allowHalfOpen: true, noDelay: false });
    if (tls) server.on("tlsClientError", (_error: Error, socket: Socket) => socket.destroy());
    this.#server = server;
    const onError = (error: Error) => {
      if (this.#state === "closed") {
        // stopListening() came while binding: nobody is waiting for this port any more.
        this.#bindSettled?.();
        return;
      }
      const failure = new CannotListenError(this.describe(), error);
      this.#state = "closed";
      this.#server = null;
      this.#closed = Promise.resolve();
      this.#listening.reject(failure);
      this.#owner.reportListenFailure(this, failure);
      this.#owner.portClosed(this);
    };
    server.once("error", onError);
    // A TLS server also emits "connection" for the raw socket: protocols only see handshaken ones.
    server.on(tls ? "secureConnection" : "connection", (socket: Socket) =>
      this.#owner.accept(this, socket),
    );
    const done = () => {
      server.off("error", onError);
      server.on("error", () => {});
      if (this.#state !== "binding") {
        // stopListening() came while binding (the address lookup is asynchronous, even for an IP
        // literal): release the socket that got bound anyway.
        server.close(() => this.#bindSettled?.());
        return;
      }
      this.#state = "listening";
      const a = server.address();
      if (a !== null && typeof a === "object")
        this.#host = tcpAddress(a.address, a.port, a.family === "IPv6" ? "IPv6" : "IPv4");
      else
        this.#host = unixAddress(
          typeof a === "string" ? a : this.spec.type === "UNIX" ? this.spec.path : null,
        );
      this.factory.doStart();
      this.#factoryStarted = true;
      this.#listening.resolve(this.#host);
    };
    const s = this.spec;
    if (s.type === "TCP") server.listen({ port: s.port, host: s.host, backlog: s.backlog }, done);
    else server.listen({ path: s.path, backlog: s.backlog }, done);
  }

  /** Resolves once the server has emitted 'close' (listening handle released and no connection left). */
  fullyClosed(): Promise<void> {
    return this.#fullyClosed;
  }

  /**
   * The local address that every connection accepted on this port has, when the port is bound to one
   * specific address (not a wildcard), so transports can share it instead of asking the kernel.
   */
  sharedLocalAddress(): { host?: Address } {
    const host = this.#host;
    if (host === null || (host.type === "TCP" && (host.host === "0.0.0.0" || host.host === "::"))) {
      return {};
    }
    return { host };
  }

  getHost(): Address {
    if (this.#host === null)
      throw new NotListeningError(
        `The port ${this.describe()} is not listening (state: ${this.#state}).`,
      );
    return this.#host;
  }

  whenListening(): Promise<Address> {
    return this.#listening.promise;
  }

  stopListening(): Promise<void> {
    if (this.#closed) return this.#closed;
    const was = this.#state;
    this.#state = "closed";
    const server = this.#server;
    this.#server = null;
    // Pending or still binding: whenListening() must settle, or whoever awaits it hangs forever.
    if (was !== "listening")
      this.#listening.reject(
        new NotListeningError(`The port ${this.describe()} was closed before it was bound.`),
      );
    // server.close() stops accepting at once but only emits 'close' once every accepted connection is
    // gone; existing connections are not ours to wait for here (Twisted leaves them untouched), so
    // the port counts as closed once the listening handle itself has been released.
    if (was === "binding" && server) {
      // Nothing is bound yet, so close() would be a no-op: startListening's callbacks close the
      // server once the bind completes (or fails) and settle this.
      this.#fullyClosed = new Promise<void>((resolve) => {
        this.#bindSettled = resolve;
      });
    } else {
      this.#fullyClosed = server
        ? new Promise<void>((resolve) => server.close(() => resolve()))
        : Promise.resolve();
    }
    const released = was === "binding" ? this.#fullyClosed : Promise.resolve();
    this.#closed = released.then(
      () =>
        new Promise<void>((resolve) => {
          const finish = () => {
            if (this.#factoryStarted) {
              this.#factoryStarted = false;
              this.factory.doStop();
            }
            this.#owner.portClosed(this);
            resolve();
          };
          // The handle is released in the close phase of this loop turn: two check phases later it is gone.
          setImmediate(() => setImmediate(finish));
        }),
    );
    return this.#closed;
  }
}
