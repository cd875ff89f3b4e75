import { chmodSync } from "node:fs";
import type { ConnectionOptions, TlsOptions } from "node:tls";
import type { Address } from "../core/address.js";
import { ConnectingCancelledError } from "../core/errors.js";
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

async function listenOn(port: ListeningPort): Promise<ListeningPort> {
  await port.whenListening();
  return port;
}

/** Connects through `start`, turning the client-factory callbacks into a Promise. */
function connectVia(
  start: (factory: ClientFactoryLike) => Connector,
  factory: FactoryLike,
  signal: AbortSignal | undefined,
): Promise<ProtocolLike> {
  return new Promise<ProtocolLike>((resolve, reject) => {
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
    const wrapper: ClientFactoryLike = {
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
      clientConnectionFailed(_connector: Connector, reason: Error) {
        done();
        reject(reason);
      },
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    connector = start(wrapper);
  });
}

/** Listens on a TCP port (Twisted's `TCP4ServerEndpoint`/`TCP6ServerEndpoint`). */
export class TCPServerEndpoint implements StreamServerEndpoint {
  /** Creates the endpoint; nothing is bound until {@link TCPServerEndpoint.listen}. */
  constructor(
    readonly reactor: ReactorTCP,
    readonly port: number,
    readonly options: { readonly host?: string; readonly backlog?: number } = {},
  ) {}
  listen(factory: FactoryLike): Promise<ListeningPort> {
    return listenOn(this.reactor.listenTCP(this.port, factory, this.options));
  }
}

/** Listens on a UNIX socket path (Twisted's `UNIXServerEndpoint`); `mode` is applied once bound. */
export class UNIXServerEndpoint implements StreamServerEndpoint {
  /** Creates the endpoint; nothing is bound until {@link UNIXServerEndpoint.listen}. */
  constructor(
    readonly reactor: ReactorUNIX,
    readonly path: string,
    readonly options: { readonly backlog?: number; readonly mode?: number } = {},
  ) {}
  async listen(factory: FactoryLike): Promise<ListeningPort> {
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
export class TLSServerEndpoint implements StreamServerEndpoint {
  /** Creates the endpoint; `tlsOptions` are `node:tls` server options (`key`, `cert`, ...). */
  constructor(
    readonly reactor: ReactorTLS,
    readonly port: number,
    readonly tlsOptions: TlsOptions,
    readonly options: { readonly host?: string; readonly backlog?: number } = {},
  ) {}
  listen(factory: FactoryLike): Promise<ListeningPort> {
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
  connect(factory: FactoryLike, options: EndpointConnectOptions = {}): Promise<ProtocolLike> {
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
  connect(factory: FactoryLike, options: EndpointConnectOptions = {}): Promise<ProtocolLike> {
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
  connect(factory: FactoryLike, options: EndpointConnectOptions = {}): Promise<ProtocolLike> {
    return connectVia(
      (f) => this.reactor.connectTLS(this.host, this.port, f, this.tlsOptions, this.options),
      factory,
      options.signal,
    );
  }
}
