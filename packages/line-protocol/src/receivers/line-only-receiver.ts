/**
 * Twisted's `LineOnlyReceiver`: lines only (no raw mode, no pausing), the fast path.
 */
import { CRLF, DEFAULT_MAX_LINE_LENGTH, type LineCallback } from "../decoders/line-decoder.js";
import { NotImplementedError } from "../errors.js";
import { DeliveryLoop } from "./delivery-loop.js";
import { ProtocolDecoder } from "./protocol-decoder.js";
import { publishLineTooLong, writeLine } from "./protocol-support.js";

/** Shared implementation of {@link LineOnlyReceiver} and {@link BytesLineOnlyReceiver} (not exported). */
abstract class LineOnlyReceiverBase<L extends string | Uint8Array> extends DeliveryLoop {
  /**
   * Line delimiter (default CRLF). As in Twisted, a change applies from the next read (a read is
   * split into lines before they are delivered).
   */
  delimiter: string | Uint8Array = CRLF;
  /**
   * Longest accepted line in bytes, delimiter excluded (default 16384). Checked on every read and
   * after every line (a change made inside `lineReceived` applies to the next line).
   */
  MAX_LENGTH: number = DEFAULT_MAX_LINE_LENGTH;

  /** Whether lines are delivered as UTF-8 strings (`true`) or bytes. */
  protected abstract get textLines(): boolean;

  #decoder: ProtocolDecoder<L> | null = null;

  /**
   * Called with each complete line (delimiter removed). Override it. The default throws
   * {@link NotImplementedError} (as Twisted's raises), so the reactor logs it and drops the connection.
   */
  lineReceived(_line: L): unknown {
    throw new NotImplementedError("lineReceived");
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

  protected hold(data: Uint8Array): void {
    // Settings are applied by the next delivery, never here (a re-entrant dataReceived must not
    // change the decoder under the scan that is running).
    (this.#decoder ?? this.#syncDecoder(true)).append(data);
  }

  protected deliver(data: Uint8Array, resumed: boolean): boolean {
    const decoder = this.#syncDecoder(resumed);
    return this.textLines
      ? decoder.decodeText(data, decoder.onLine as LineCallback<string>)
      : decoder.decode(data, decoder.onLine as LineCallback<Uint8Array>);
  }

  protected override afterDelivery(): void {
    // Nothing held between reads (the usual case when reads end on a line boundary): let the decoder
    // go, so an idle connection costs no framing state; the next read makes a fresh one.
    if (this.#decoder?.idle === true) this.#decoder = null;
  }

  /**
   * Creates the decoder on first use and applies changes to `MAX_LENGTH`, and to `delimiter` unless
   * `keepDelimiter` (inside a read, the lines are those of the delimiter the read started with).
   */
  #syncDecoder(keepDelimiter: boolean): ProtocolDecoder<L> {
    let decoder = this.#decoder;
    if (decoder === null) {
      const created: ProtocolDecoder<L> = new ProtocolDecoder<L>(
        this.delimiter,
        this.MAX_LENGTH,
        (line) => {
          this.collect(this.lineReceived(line));
          // Stop after this line if the handler paused, is closing or changed MAX_LENGTH (the next
          // lines of this read are checked against the new limit).
          return this.canDeliver() && created.maxLength === this.MAX_LENGTH;
        },
        (overflow) => {
          publishLineTooLong(this, overflow);
          this.collect(this.lineLengthExceeded(overflow.data));
        },
      );
      decoder = created;
      this.#decoder = decoder;
    } else decoder.sync(keepDelimiter ? decoder.source : this.delimiter, this.MAX_LENGTH);
    return decoder;
  }
}

/**
 * Twisted's `LineOnlyReceiver`: `lineReceived(line: string)` for each line (UTF-8), `sendLine`,
 * `MAX_LENGTH` (16384 bytes) and `lineLengthExceeded` (default: close). No raw mode; use
 * {@link LineReceiver} for that. It pauses like the other receivers (`pauseProducing()` /
 * `resumeProducing()`). Nothing is delivered once the transport is disconnecting.
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
