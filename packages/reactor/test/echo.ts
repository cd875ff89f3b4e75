/** Small protocols and factories for the services tests (test-only, not exported). */
import type { Address } from "../src/core/address.js";
import { Factory } from "../src/core/factory.js";
import { Protocol } from "../src/core/protocol.js";

/** Echoes every chunk back. */
export class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport?.write(data);
  }
}

/** Collects what it receives and resolves `closed` with the close reason. */
export class Collector extends Protocol {
  received = "";
  reason: Error | null = null;
  readonly #decoder = new TextDecoder();
  #waiters: Array<{ text: string; resolve: () => void }> = [];
  #closed!: (reason: Error) => void;
  readonly closed = new Promise<Error>((resolve) => {
    this.#closed = resolve;
  });

  override dataReceived(data: Uint8Array): void {
    this.received += this.#decoder.decode(data, { stream: true });
    this.#waiters = this.#waiters.filter((w) => {
      if (!this.received.includes(w.text)) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once the received text contains `text`. */
  waitFor(text: string): Promise<void> {
    if (this.received.includes(text)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ text, resolve }));
  }

  override connectionLost(reason: Error): void {
    super.connectionLost(reason);
    this.reason = reason;
    this.#closed(reason);
  }
}

/** A factory that records every protocol it builds. */
export class RecordingFactory<P extends Protocol> extends Factory {
  readonly built: P[] = [];
  readonly peers: Address[] = [];
  constructor(readonly make: () => P) {
    super();
  }
  override buildProtocol(addr: Address): P {
    const p = this.make();
    p.factory = this;
    this.built.push(p);
    this.peers.push(addr);
    return p;
  }
}
