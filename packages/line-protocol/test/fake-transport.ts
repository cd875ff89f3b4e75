/**
 * A minimal transport double for the protocol tests, mirroring @lr/testing's StringTransport API
 * (value(), text(), disconnecting, producerState) until that package exports it.
 */
import { Buffer } from "node:buffer";
import { type Address, type Producer, type Transport, tcpAddress } from "@lr/reactor";

export class StringTransport implements Transport {
  private chunks: Buffer[] = [];
  disconnecting = false;
  disconnected = false;
  producerState: "producing" | "paused" | "stopped" = "producing";
  producer: Producer | null = null;
  value(): Buffer {
    return Buffer.concat(this.chunks);
  }
  text(): string {
    return this.value().toString("utf8");
  }
  clear(): void {
    this.chunks = [];
  }
  write(data: string | Uint8Array): void {
    this.chunks.push(typeof data === "string" ? Buffer.from(data) : Buffer.from(data));
  }
  writeSequence(data: Iterable<string | Uint8Array>): void {
    for (const d of data) this.write(d);
  }
  loseConnection(): void {
    this.disconnecting = true;
  }
  abortConnection(): void {
    this.disconnecting = true;
    this.disconnected = true;
  }
  loseWriteConnection(): void {}
  getPeer(): Address {
    return tcpAddress("192.168.1.1", 54321);
  }
  getHost(): Address {
    return tcpAddress("10.0.0.1", 12345);
  }
  pauseProducing(): void {
    this.producerState = "paused";
  }
  resumeProducing(): void {
    this.producerState = "producing";
  }
  stopProducing(): void {
    this.producerState = "stopped";
    this.disconnecting = true;
  }
  registerProducer(producer: Producer): void {
    this.producer = producer;
  }
  unregisterProducer(): void {
    this.producer = null;
  }
  setTcpNoDelay(): void {}
  setTcpKeepAlive(): void {}
}
