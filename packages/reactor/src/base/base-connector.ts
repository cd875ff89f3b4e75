import { type Address, formatAddress, tcpAddress, unixAddress } from "../core/address.js";
import {
  AlreadyConnectingError,
  ConnectError,
  ConnectingCancelledError,
  ConnectTimeoutError,
  NotConnectingError,
} from "../core/errors.js";
import { callGuarded } from "../core/helpers.js";
import type {
  ClientFactoryLike,
  Connector,
  DelayedCall,
  ProtocolLike,
  ReactorTime,
  Transport,
} from "../core/interfaces.js";

/** Where a connector connects. A back end may add fields (TLS options...). */
export type BaseConnectSpec =
  | {
      readonly type: "TCP";
      readonly host: string;
      readonly port: number;
      readonly timeoutMs: number;
      readonly bindAddress: string | undefined;
    }
  | { readonly type: "UNIX"; readonly path: string; readonly timeoutMs: number };

/** `disconnected`, `connecting` or `connected`. */
export type ConnectorState = "disconnected" | "connecting" | "connected";

/** What a connector needs from the reactor that owns it. */
export interface ConnectorOwner {
  /** The reactor's time source (for the connect timeout). */
  readonly clock: ReactorTime;
  /** `true` if attempts may start now (the reactor is running). */
  canConnect(): boolean;
  /** The connector started connecting: track it until it is idle again. */
  connectorBusy(connector: BaseConnector): void;
  /** Start this connector's attempt at the next run. */
  deferConnect(connector: BaseConnector): void;
  /** The connector became idle (disconnected, not reconnecting from its own callbacks). */
  connectorIdle(connector: BaseConnector): void;
  /** Reports a factory callback that threw or rejected. */
  reportCallbackError(where: string, error: unknown): void;
}

/**
 * The client connector every back end shares (the role of Twisted's `BaseConnector`), with the
 * `IConnector` life cycle: `connect()` (again from the factory's failure/lost callbacks to
 * reconnect), `startedConnecting`, the connect timeout on the reactor's clock, `stopConnecting()`,
 * `clientConnectionFailed`/`clientConnectionLost`, and the factory's `doStart`/`doStop` around each
 * session of use. Every factory callback is guarded: a throw or a rejection is reported, never
 * thrown to the caller. A back end fills {@link BaseConnector.beginAttempt} (and may override
 * {@link BaseConnector.abandonAttempt}), and calls {@link BaseConnector.buildClientProtocol},
 * {@link BaseConnector.connected}, {@link BaseConnector.failed} and {@link BaseConnector.connectionLost}.
 */
export abstract class BaseConnector<
  S extends BaseConnectSpec = BaseConnectSpec,
  T extends Transport = Transport,
> implements Connector
{
  /** What was asked for. */
  readonly spec: S;
  /** The client factory. */
  readonly factory: ClientFactoryLike;
  readonly #owner: ConnectorOwner;
  #state: ConnectorState = "disconnected";
  #factoryStarted = false;
  /** `true` while waiting for the reactor to run before attempting. */
  #deferred = false;
  #timeout: DelayedCall | null = null;
  #transport: T | null = null;

  constructor(spec: S, factory: ClientFactoryLike, owner: ConnectorOwner) {
    this.spec = spec;
    this.factory = factory;
    this.#owner = owner;
  }

  /** `disconnected`, `connecting` or `connected`. */
  get state(): ConnectorState {
    return this.#state;
  }

  /** The reactor's time source. */
  get clock(): ReactorTime {
    return this.#owner.clock;
  }

  /** The established connection's transport, if connected. */
  get transport(): T | null {
    return this.#transport;
  }

  /** `true` while the attempt waits for the reactor to run. */
  protected get waitingForRun(): boolean {
    return this.#deferred;
  }

  getDestination(): Address {
    const s = this.spec;
    return s.type === "TCP" ? tcpAddress(s.host, s.port) : unixAddress(s.path);
  }

  /** A human-readable destination. */
  describe(): string {
    return formatAddress(this.getDestination());
  }

  /** Starts connecting (again). Throws `AlreadyConnectingError` unless disconnected. */
  connect(): void {
    if (this.#state !== "disconnected") throw new AlreadyConnectingError();
    this.#state = "connecting";
    this.#owner.connectorBusy(this);
    if (!this.#factoryStarted) {
      this.#factoryStarted = true;
      this.#callFactory("doStart", () => this.factory.doStart());
      if (this.#state !== "connecting") return; // stopConnecting() from doStart
    }
    if (!this.#owner.canConnect()) {
      this.#deferred = true;
      this.#owner.deferConnect(this);
      return;
    }
    this.#attempt();
  }

  /** Called by the reactor at startup for a connector whose `connect()` came before `run()`. */
  startDeferred(): void {
    if (!this.#deferred || this.#state !== "connecting") return;
    this.#deferred = false;
    this.#attempt();
  }

  /** Cancels the attempt (`clientConnectionFailed` gets `ConnectingCancelledError`). Throws `NotConnectingError` unless connecting. */
  stopConnecting(): void {
    if (this.#state !== "connecting") throw new NotConnectingError();
    this.failed(new ConnectingCancelledError());
  }

  /** Cancels the attempt, or closes the established connection. */
  disconnect(): void {
    if (this.#state === "connecting") this.stopConnecting();
    else if (this.#state === "connected") this.#transport?.loseConnection();
  }

  /** Back end: starts one attempt (the timeout is already armed). */
  protected abstract beginAttempt(): void;

  /** Back end: gives up the attempt in progress (close its socket...). Called by {@link BaseConnector.failed}. */
  protected abandonAttempt(): void {}

  /**
   * Back end: the attempt reached the peer at `peer`. Marks the connector connected and builds the
   * client protocol; returns `null` if the factory refused (or threw: reported), in which case the
   * attempt has failed with `ConnectError` and the back end just drops the connection.
   */
  protected buildClientProtocol(peer: Address): ProtocolLike | null {
    this.#clearTimeout();
    this.#state = "connected";
    let protocol: ProtocolLike | null = null;
    try {
      protocol = this.factory.buildProtocol(peer);
    } catch (error) {
      this.#owner.reportCallbackError(`${this.factory.constructor.name}.buildProtocol`, error);
    }
    if (!protocol) {
      this.#state = "disconnected";
      this.#afterFailure(
        new ConnectError(`The factory refused the connection to ${this.describe()}.`),
      );
      return null;
    }
    return protocol;
  }

  /** Back end: the connection is up on `transport` (after {@link BaseConnector.buildClientProtocol}). */
  protected connected(transport: T): void {
    this.#transport = transport;
  }

  /** Back end: the attempt failed with `reason` (refused, timed out, cancelled...). */
  protected failed(reason: ConnectError): void {
    this.#clearTimeout();
    this.abandonAttempt();
    this.#deferred = false;
    this.#state = "disconnected";
    this.#afterFailure(reason);
  }

  /** Back end: the established connection on `transport` closed. */
  protected connectionLost(transport: T, reason: Error): void {
    if (this.#transport !== transport) return;
    this.#transport = null;
    this.#state = "disconnected";
    this.#callFactory("clientConnectionLost", () =>
      this.factory.clientConnectionLost?.(this, reason),
    );
    this.#maybeStopFactory();
  }

  #attempt(): void {
    this.#callFactory("startedConnecting", () => this.factory.startedConnecting?.(this));
    if (this.#state !== "connecting") return; // stopConnecting() from startedConnecting
    const timeoutMs = this.spec.timeoutMs;
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      this.#timeout = this.#owner.clock.callLater(timeoutMs, () => {
        this.#timeout = null;
        if (this.#state === "connecting")
          this.failed(new ConnectTimeoutError(this.describe(), timeoutMs));
      });
    }
    this.beginAttempt();
  }

  #afterFailure(reason: ConnectError): void {
    this.#callFactory("clientConnectionFailed", () =>
      this.factory.clientConnectionFailed?.(this, reason),
    );
    this.#maybeStopFactory();
  }

  #maybeStopFactory(): void {
    // A connect() from inside the callback keeps the session (and the factory) going.
    if (this.#state !== "disconnected") return;
    if (this.#factoryStarted) {
      this.#factoryStarted = false;
      this.#callFactory("doStop", () => this.factory.doStop());
    }
    this.#owner.connectorIdle(this);
  }

  #clearTimeout(): void {
    if (this.#timeout?.active()) this.#timeout.cancel();
    this.#timeout = null;
  }

  #callFactory(name: string, fn: () => unknown): void {
    callGuarded(fn, (error) =>
      this.#owner.reportCallbackError(`${this.factory.constructor.name}.${name}`, error),
    );
  }
}
