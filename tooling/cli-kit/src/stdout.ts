/**
 * stdout as the apps use it: writes that never grow without bound and never crash the program.
 *
 * - Back-pressure: once more than `highWaterMark` bytes wait to be written (nobody reads the pipe,
 *   or the reader is slow), the stream reports itself *congested*; the app pauses its transports
 *   until Node's `drain` says everything went out, so TCP pushes back on the senders.
 * - A stdout that goes away (`| head -1`: EPIPE) turns output off for good; the program goes on.
 * - {@link OutputStream.discard} drops whatever is still queued (a bounded stop) and says how much.
 */

/** The part of a Node writable stream an {@link OutputStream} uses. */
export interface WritableLike {
  write(chunk: string | Uint8Array): boolean;
  readonly writableLength: number;
  on(event: "drain", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  destroy(): unknown;
}

/** Options of {@link OutputStream}. */
export interface OutputStreamOptions {
  /** Bytes queued in memory past which the stream is congested (default 1 MiB). */
  readonly highWaterMark?: number;
}

/** A back-pressured, EPIPE-proof writer over a Node writable (stdout in the apps). */
export class OutputStream {
  readonly highWaterMark: number;
  #closed = false;
  #congested = false;
  #listeners = new Set<(congested: boolean) => void>();
  #drainWaiters: (() => void)[] = [];

  constructor(
    readonly stream: WritableLike,
    options: OutputStreamOptions = {},
  ) {
    this.highWaterMark = options.highWaterMark ?? 1024 * 1024;
    stream.on("error", () => {
      // EPIPE (reader gone) or any other write failure: output stops, the program goes on.
      this.#closed = true;
      this.#setCongested(false);
      this.#wakeDrainWaiters();
    });
    stream.on("drain", () => {
      this.#setCongested(false);
      if (stream.writableLength === 0) this.#wakeDrainWaiters();
    });
  }

  /** `true` once stdout failed (EPIPE...): writes are dropped from then on. */
  get closed(): boolean {
    return this.#closed;
  }

  /** `true` while more than `highWaterMark` bytes wait to be written. */
  get congested(): boolean {
    return this.#congested;
  }

  /** Bytes written but not yet handed to the operating system. */
  get pendingBytes(): number {
    return this.#closed ? 0 : this.stream.writableLength;
  }

  /** Writes `chunk` (dropped when closed); may turn the stream congested. */
  write(chunk: string | Uint8Array): void {
    if (this.#closed || chunk.length === 0) return;
    this.stream.write(chunk);
    if (!this.#closed && this.stream.writableLength > this.highWaterMark) this.#setCongested(true);
  }

  /** Calls `listener(congested)` on every change; returns a function that unsubscribes. */
  onCongestion(listener: (congested: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once nothing is queued any more (or stdout is closed). */
  drained(): Promise<void> {
    if (this.pendingBytes === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Drops everything still queued and turns output off; returns how many bytes were dropped. */
  discard(): number {
    const dropped = this.pendingBytes;
    this.#closed = true;
    this.stream.destroy();
    this.#setCongested(false);
    this.#wakeDrainWaiters();
    return dropped;
  }

  #setCongested(value: boolean): void {
    if (this.#congested === value) return;
    this.#congested = value;
    for (const listener of [...this.#listeners]) listener(value);
  }

  #wakeDrainWaiters(): void {
    for (const w of this.#drainWaiters.splice(0)) w();
  }
}

/** `1.5 MiB`, `12 KiB`, `300 bytes`: for the one-line reports. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} byte${n === 1 ? "" : "s"}`;
}
