/**
 * Twisted's `LineOnlyReceiver`: lines only (no raw mode, no pausing), the fast path.
 */
import { Protocol } from "@lr/reactor";
import { CRLF, DEFAULT_MAX_LINE_LENGTH, type LineCallback } from "../decoders/line-decoder.js";
import { ProtocolDecoder } from "./protocol-decoder.js";
import { collectThenable, type PendingResults, settle, writeLine } from "./protocol-support.js";

/** Shared implementation of {@link LineOnlyReceiver} and {@link BytesLineOnlyReceiver} (not exported). */
abstract class LineOnlyReceiverBase<L extends string | Uint8Array> extends Protocol {
  /** Line delimiter (default CRLF). */
  delimiter: string | Uint8Array = CRLF;
  /** Longest accepted line in bytes, delimiter excluded (default 16384). Checked on every read. */
  MAX_LENGTH: number = DEFAULT_MAX_LINE_LENGTH;

  /** Whether lines are delivered as UTF-8 strings (`true`) or bytes. */
  protected abstract get textLines(): boolean;

  #decoder: ProtocolDecoder<L> | null = null;
  #pending: PendingResults = null;

  /** Called with each complete line (delimiter removed). Override it. Default: nothing. */
  lineReceived(_line: L): unknown {
    return undefined;
  }

  /**
   * Called when a line is longer than `MAX_LENGTH`, with the bytes thrown away (the over-long line and
   * the rest of the buffer). Default: `transport.loseConnection()`.
   */
  lineLengthExceeded(_data: Uint8Array): unknown {
    this.transport?.loseConnection();
    return undefined;
  }

  /** Writes `line` followed by the delimiter, in one write. Strings are sent as UTF-8. */
  sendLine(line: string | Uint8Array): void {
    writeLine(this.transport, line, this.delimiter);
  }

  override dataReceived(data: Uint8Array): unknown {
    if (this.transport?.disconnecting === true) return undefined;
    let decoder = this.#decoder;
    if (decoder === null) {
      decoder = new ProtocolDecoder<L>(
        this.delimiter,
        this.MAX_LENGTH,
        (line) => {
          const result = this.lineReceived(line);
          if (result !== undefined) this.#pending = collectThenable(this.#pending, result);
          return this.transport?.disconnecting !== true;
        },
        (overflow) => {
          const result = this.lineLengthExceeded(overflow.data);
          if (result !== undefined) this.#pending = collectThenable(this.#pending, result);
        },
      );
      this.#decoder = decoder;
    } else decoder.sync(this.delimiter, this.MAX_LENGTH);
    if (this.textLines) decoder.decodeText(data, decoder.onLine as LineCallback<string>);
    else decoder.decode(data, decoder.onLine as LineCallback<Uint8Array>);
    // Nothing held between reads (the usual case when reads end on a line boundary): let the decoder
    // go, so an idle connection costs no framing state; the next read makes a fresh one.
    if (this.#decoder === decoder && decoder.idle) this.#decoder = null;
    const pending = this.#pending;
    if (pending === null) return undefined;
    this.#pending = null;
    return settle(pending);
  }
}

/**
 * Twisted's `LineOnlyReceiver`: `lineReceived(line: string)` for each line (UTF-8), `sendLine`,
 * `MAX_LENGTH` (16384 bytes) and `lineLengthExceeded` (default: close). No raw mode and no pausing;
 * use {@link LineReceiver} for those. Nothing is delivered once the transport is disconnecting.
 *
 * Deliberate difference from Twisted 22.4: a line of exactly `MAX_LENGTH` bytes is accepted even when
 * its CR and LF arrive in different reads (Twisted rejects it).
 *
 * @example
 * ```ts
 * class Client extends LineOnlyReceiver {
 *   override connectionMade() { this.sendLine("hello"); }
 *   override lineReceived(line: string) { if (line === "bye") this.transport?.loseConnection(); }
 * }
 * ```
 */
export class LineOnlyReceiver extends LineOnlyReceiverBase<string> {
  protected get textLines(): boolean {
    return true;
  }
}

/**
 * {@link LineOnlyReceiver} with lines as `Uint8Array` (views into the received chunk, or copies when a
 * line spans reads).
 *
 * @example
 * ```ts
 * class Sink extends BytesLineOnlyReceiver {
 *   override lineReceived(line: Uint8Array) { store(line); }
 * }
 * ```
 */
export class BytesLineOnlyReceiver extends LineOnlyReceiverBase<Uint8Array> {
  protected get textLines(): boolean {
    return false;
  }
}
