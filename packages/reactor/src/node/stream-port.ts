import { createServer, type Server, type Socket } from "node:net";
import type { TlsOptions } from "node:tls";
import { BasePort, type BasePortSpec, type PortOwner, type PortState } from "../base/base-port.js";
import { type Address, tcpAddress, unixAddress } from "../core/address.js";
import type { FactoryLike } from "../core/interfaces.js";
import { nodeTls } from "./node-tls.js";

/** Where a {@link StreamPort} listens: the base spec, with TLS options for `listenTLS`. */
export type PortSpec =
  | (Extract<BasePortSpec, { type: "TCP" }> & { readonly tls?: TlsOptions })
  | Extract<BasePortSpec, { type: "UNIX" }>;

/** What a stream port needs from the reactor that owns it. */
export interface StreamPortOwner extends PortOwner {
  /** A connection was accepted on `port`. */
  accept(port: StreamPort, socket: Socket): void;
  /**
   * Report that accepting failed (EMFILE/ENFILE: out of descriptors), at most once a second per
   * port; `suppressed` failures came since the last report.
   */
  reportAcceptError(port: StreamPort, error: Error, suppressed: number): void;
}

/** Accept failures are reported at most this often per port, ms. */
const ACCEPT_ERROR_INTERVAL_MS = 1000;

/**
 * A listening TCP or UNIX port on node:net (or node:tls). Created by `listenTCP`/`listenUNIX`/
 * `listenTLS`; binds when the reactor calls `startListening()` (at startup, or at once when running).
 */
export class StreamPort extends BasePort<PortSpec> {
  readonly #owner: StreamPortOwner;
  #server: Server | null = null;
  #fullyClosed: Promise<void> = Promise.resolve();
  /** Settles `fullyClosed()` of a port stopped while it was still binding. */
  #bindSettled: (() => void) | null = null;

  constructor(spec: PortSpec, factory: FactoryLike, owner: StreamPortOwner) {
    super(spec, factory, owner);
    this.#owner = owner;
  }

  protected override bind(): void {
    const tls = this.spec.type === "TCP" ? this.spec.tls : undefined;
    // TLS: no half-open sockets, or a peer that gives up mid-handshake leaves a socket nobody owns
    // (server.close() would then wait for it forever).
    const server = tls
      ? nodeTls().createServer({ ...tls, allowHalfOpen: false })
      : createServer({ allowHalfOpen: true, noDelay: false });
    if (tls) server.on("tlsClientError", (_error: Error, socket: Socket) => socket.destroy());
    this.#server = server;
    const onError = (error: Error) => {
      if (this.state === "closed") {
        // stopListening() came while binding: nobody is waiting for this port any more.
        this.#bindSettled?.();
        return;
      }
      this.#server = null;
      this.bindFailed(error);
    };
    server.once("error", onError);
    // A TLS server also emits "connection" for the raw socket: protocols only see handshaken ones.
    server.on(tls ? "secureConnection" : "connection", (socket: Socket) =>
      this.#owner.accept(this, socket),
    );
    const done = () => {
      server.off("error", onError);
      // After listening, errors are accept failures (EMFILE/ENFILE). libuv does not spin on them:
      // it accepts and closes the waiting connections with a descriptor it keeps in reserve. Say
      // so, once per burst.
      let last = Number.NEGATIVE_INFINITY;
      let suppressed = 0;
      server.on("error", (error: Error) => {
        const now = performance.now();
        if (now - last < ACCEPT_ERROR_INTERVAL_MS) {
          suppressed++;
          return;
        }
        last = now;
        const count = suppressed;
        suppressed = 0;
        this.#owner.reportAcceptError(this, error, count);
      });
      if (this.state !== "binding") {
        // stopListening() came while binding (the address lookup is asynchronous, even for an IP
        // literal): release the socket that got bound anyway.
        server.close(() => this.#bindSettled?.());
        return;
      }
      const a = server.address();
      this.bound(
        a !== null && typeof a === "object"
          ? tcpAddress(a.address, a.port, a.family === "IPv6" ? "IPv6" : "IPv4")
          : unixAddress(
              typeof a === "string" ? a : this.spec.type === "UNIX" ? this.spec.path : null,
            ),
      );
    };
    const s = this.spec;
    if (s.type === "TCP") server.listen({ port: s.port, host: s.host, backlog: s.backlog }, done);
    else server.listen({ path: s.path, backlog: s.backlog }, done);
  }

  protected override release(was: PortState): Promise<void> {
    const server = this.#server;
    this.#server = null;
    // server.close() stops accepting at once but only emits 'close' once every accepted connection is
    // gone; existing connections are not ours to wait for here (Twisted leaves them untouched), so
    // the port counts as closed once the listening handle itself has been released.
    if (was === "binding" && server) {
      // Nothing is bound yet, so close() would be a no-op: bind()'s callbacks close the server once
      // the bind completes (or fails) and settle this.
      this.#fullyClosed = new Promise<void>((resolve) => {
        this.#bindSettled = resolve;
      });
    } else {
      this.#fullyClosed = server
        ? new Promise<void>((resolve) => server.close(() => resolve()))
        : Promise.resolve();
    }
    const released = was === "binding" ? this.#fullyClosed : Promise.resolve();
    // The handle is released in the close phase of this loop turn: two check phases later it is gone.
    return released.then(
      () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve))),
    );
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
    const host = this.address;
    if (host === null || (host.type === "TCP" && (host.host === "0.0.0.0" || host.host === "::"))) {
      return {};
    }
    return { host };
  }
}
