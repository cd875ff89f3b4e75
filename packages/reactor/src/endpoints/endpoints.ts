import { chmodSync } from "node:fs";
import type { ConnectionOptions, TlsOptions } from "node:tls";
import type { Address, TCPAddress, UNIXAddress } from "../core/address.js";
import { type ConnectError, ConnectingCancelledError } from "../core/errors.js";
import type {
  ClientFactoryLike,
  Connector,
  EndpointConnectOptions,
  FactoryLike,
  ListeningPort,
  ProtocolLike,
  ReactorTCP,
  ReactorTLS,
  ReactorUNIX,
  StreamClientEndpoint,
  StreamServerEndpoint,
} from "../core/interfaces.js";

async function listenOn<A extends Address>(port: ListeningPort<A>): Promise<ListeningPort<A>> {
  await port.whenListening();
  return port;
}

/** Connects through `start`, turning the client-factory callbacks into a Promise. */
function connectVia<P extends ProtocolLike>(
  start: (factory: ClientFactoryLike) => Connector,
  factory: FactoryLike<P>,
  signal: AbortSignal | undefined,
): Promise<P> {
  return new Promise<P>((resolve, reject) => {
    if (signal?.aborted) {
      reject(
        new ConnectingCancelledError("The connection attempt was cancelled before it started."),
      );
      return;
    }
    let connector: Connector | null = null;
    const onAbort = () => {
      if (connector?.state === "connecting") connector.stopConnecting();
    };
    const done = () => signal?.removeEventListener("abort", onAbort);
    const wrapper: ClientFactoryLike<P> = {
      buildProtocol(addr: Address) {
        const protocol = factory.buildProtocol(addr);
        if (protocol) {
          done();
          // Settles after the transport's makeConnection (connectionMade) ran synchronously.
          resolve(protocol);
        }
        return protocol;
      },
      doStart: () => factory.doStart(),
      doStop: () => factory.doStop(),
      clientConnectionFailed(_connector: Connector, reason: ConnectError) {
        done();
        reject(reason);
      },
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    connector = start(wrapper);
  });
}

/** Listens on a TCP port (Twisted's `TCP4ServerEndpoint`/`TCP6ServerEndpoint`). */
export class TCPServerEndpoint implements StreamServerEndpoint<TCPAddress> {
  /** Creates the endpoint; nothing is bound until {@link TCPServerEndpoint.listen}. */
  constructor(
    readonly reactor: ReactorTCP,
    readonly port: number,
    readonly options: { readonly host?: string; readonly backlog?: number } = {},
  ) {}
  /** Listens; resolves with the port once bound. */
  listen(factory: FactoryLike): Promise<ListeningPort<TCPAddress>> {
    return listenOn(this.reactor.listenTCP(this.port, factory, this.options));
  }
}

/** Listens on a UNIX socket path (Twisted's `UNIXServerEndpoint`); `mode` is applied once bound. */
export class UNIXServerEndpoint implements StreamServerEndpoint<UNIXAddress> {
  /** Creates the endpoint; nothing is bound until {@link UNIXServerEndpoint.listen}. */
  constructor(
    readonly reactor: ReactorUNIX,
    readonly path: string,
    readonly options: { readonly backlog?: number; readonly mode?: number } = {},
  ) {}
  /** Listens; resolves with the port once bound (and its mode applied). */
  async listen(factory: FactoryLike): Promise<ListeningPort<UNIXAddress>> {
    const port = await listenOn(
      this.reactor.listenUNIX(
        this.path,
        factory,
        this.options.backlog === undefined ? {} : { backlog: this.options.backlog },
      ),
    );
    if (this.options.mode !== undefined) chmodSync(this.path, this.options.mode);
    return port;
  }
}

/** Listens for TLS connections on a TCP port (Twisted's `SSL4ServerEndpoint`). */
export class TLSServerEndpoint implements StreamServerEndpoint<TCPAddress> {
  /** Creates the endpoint; `tlsOptions` are `node:tls` server options (`key`, `cert`, ...). */
  constructor(
    readonly reactor: ReactorTLS,
    readonly port: number,
    readonly tlsOptions: TlsOptions,
    readonly options: { readonly host?: string; readonly backlog?: number } = {},
  ) {}
  /** Listens; resolves with the port once bound. */
  listen(factory: FactoryLike): Promise<ListeningPort<TCPAddress>> {
    return listenOn(this.reactor.listenTLS(this.port, factory, this.tlsOptions, this.options));
  }
}

/** Connects over TCP (Twisted's `TCP4ClientEndpoint`). */
export class TCPClientEndpoint implements StreamClientEndpoint {
  /** Creates the endpoint; nothing happens until {@link TCPClientEndpoint.connect}. */
  constructor(
    readonly reactor: ReactorTCP,
    readonly host: string,
    readonly port: number,
    readonly options: { readonly timeoutMs?: number; readonly bindAddress?: string } = {},
  ) {}
  /** Connects; resolves with the protocol `factory` built, once connected. */
  connect<P extends ProtocolLike>(
    factory: FactoryLike<P>,
    options: EndpointConnectOptions = {},
  ): Promise<P> {
    return connectVia(
      (f) => this.reactor.connectTCP(this.host, this.port, f, this.options),
      factory,
      options.signal,
    );
  }
}

/** Connects to a UNIX socket path (Twisted's `UNIXClientEndpoint`). */
export class UNIXClientEndpoint implements StreamClientEndpoint {
  /** Creates the endpoint; nothing happens until {@link UNIXClientEndpoint.connect}. */
  constructor(
    readonly reactor: ReactorUNIX,
    readonly path: string,
    readonly options: { readonly timeoutMs?: number } = {},
  ) {}
  /** Connects; resolves with the protocol `factory` built, once connected. */
  connect<P extends ProtocolLike>(
    factory: FactoryLike<P>,
    options: EndpointConnectOptions = {},
  ): Promise<P> {
    return connectVia(
      (f) => this.reactor.connectUNIX(this.path, f, this.options),
      factory,
      options.signal,
    );
  }
}

/** Connects with TLS over TCP (Twisted's `SSL4ClientEndpoint` / `tls:` endpoint). */
export class TLSClientEndpoint implements StreamClientEndpoint {
  /** Creates the endpoint; `tlsOptions` are `node:tls` connect options (`ca`, `servername`, ...). */
  constructor(
    readonly reactor: ReactorTLS,
    readonly host: string,
    readonly port: number,
    readonly tlsOptions: ConnectionOptions,
    readonly options: { readonly timeoutMs?: number; readonly bindAddress?: string } = {},
  ) {}
  /** Connects; resolves with the protocol `factory` built, once connected. */
  connect<P extends ProtocolLike>(
    factory: FactoryLike<P>,
    options: EndpointConnectOptions = {},
  ): Promise<P> {
    return connectVia(
      (f) => this.reactor.connectTLS(this.host, this.port, f, this.tlsOptions, this.options),
      factory,
      options.signal,
    );
  }
}
