/** A transport double for wrapper tests: records what a protocol does to its connection (test-only). */
import { type Address, tcpAddress } from "../src/core/address.js";
import type { Producer, Transport } from "../src/core/interfaces.js";

export class FakeTransport implements Transport {
  readonly written: Array<string | Uint8Array> = [];
  disconnecting = false;
  disconnected = false;
  paused = false;
  aborted = false;
  producer: Producer | null = null;

  constructor(
    readonly peer: Address = tcpAddress("127.0.0.9", 40000),
    readonly host: Address = tcpAddress("127.0.0.1", 9000),
  ) {}

  write(data: string | Uint8Array): void {
    if (!this.disconnecting) this.written.push(data);
  }
  writeSequence(data: Iterable<string | Uint8Array>): void {
    for (const d of data) this.write(d);
  }
  loseConnection(): void {
    this.disconnecting = true;
  }
  abortConnection(): void {
    this.disconnecting = true;
    this.aborted = true;
  }
  getPeer(): Address {
    return this.peer;
  }
  getHost(): Address {
    return this.host;
  }
  pauseProducing(): void {
    this.paused = true;
  }
  resumeProducing(): void {
    this.paused = false;
  }
  stopProducing(): void {
    this.disconnecting = true;
  }
  registerProducer(producer: Producer): void {
    this.producer = producer;
  }
  unregisterProducer(): void {
    this.producer = null;
  }
  loseWriteConnection(): void {}
  setTcpNoDelay(): void {}
  setTcpKeepAlive(): void {}
}
