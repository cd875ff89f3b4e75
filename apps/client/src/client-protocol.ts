import { BytesLineOnlyReceiver } from "@lr/line-protocol";
import type { Address, Connector, ProtocolLike } from "@lr/reactor";
import { ClientFactory } from "@lr/reactor";

/** What the protocol reports to the try it belongs to. */
export interface TryEvents {
  /** The connection is up: the try starts its job. */
  connected(protocol: SeedClient): void;
  /** A line arrived from the server (its bytes, CRLF removed). */
  line(line: Uint8Array): void;
  /** The connection closed. */
  lost(reason: Error): void;
  /** The connection attempt failed. */
  connectFailed(reason: Error): void;
}

/**
 * The seed's `MyProtocol`: a line-only receiver that hands every event to its try, lines as bytes
 * (the output decides how to print them safely). The long job is not run here (it would block the
 * event loop, as it did in the seed): the try runs it in a worker thread. Free of process concerns,
 * so simulations can drive it on memory transports.
 */
export class SeedClient extends BytesLineOnlyReceiver {
  constructor(private readonly events: TryEvents) {
    super();
  }

  override connectionMade(): void {
    this.events.connected(this);
  }

  override lineReceived(line: Uint8Array): void {
    this.events.line(line);
  }

  override connectionLost(reason: Error): void {
    super.connectionLost(reason);
    this.events.lost(reason);
  }
}

/**
 * The seed's `MyClientFactory`, one per try: builds the {@link SeedClient} and reports a failed
 * connection attempt.
 *
 * @example
 * ```ts
 * reactor.connectTCP("localhost", 9000, new SeedClientFactory(tryEvents), { timeoutMs: 30_000 });
 * ```
 */
export class SeedClientFactory extends ClientFactory {
  constructor(private readonly events: TryEvents) {
    super();
  }

  override buildProtocol(_addr: Address): ProtocolLike {
    const protocol = new SeedClient(this.events);
    protocol.factory = this;
    return protocol;
  }

  override clientConnectionFailed(_connector: Connector, reason: Error): void {
    this.events.connectFailed(reason);
  }
}
