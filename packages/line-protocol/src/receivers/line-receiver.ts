/**
 * Twisted's `LineReceiver` on top of {@link LineDecoder}: line mode and raw mode, pausable,
 * re-entrancy safe.
 */
import { type Producer, Protocol } from "@lr/reactor";
import { EMPTY, toBytes } from "../bytes.js";
import { CRLF, DEFAULT_MAX_LINE_LENGTH, type LineCallback } from "../decoders/line-decoder.js";
import { ProtocolDecoder } from "./protocol-decoder.js";
import { collectThenable, type PendingResults, settle, writeLine } from "./protocol-support.js";

/**
 * Shared implementation of {@link LineReceiver} (string lines) and {@link BytesLineReceiver} (byte lines).
 * Not exported: subclass one of those two.
 */
abstract class LineReceiverBase<L extends string | Uint8Array>
  extends Protocol
  implements Producer
{
  /** Line delimiter (Twisted default CRLF). May be changed at any time, e.g. in a subclass field. */
  delimiter: string | Uint8Array = CRLF;
  /**
   * Longest accepted line in bytes, delimiter excluded (default 16384). Checked on every read, so it
   * may be overridden in a subclass or set on the instance, e.g. from a `--max-line-length` flag.
   */
  MAX_LENGTH: number = DEFAULT_MAX_LINE_LENGTH;
  /** `true` while reads are being held back by {@link LineReceiverBase.pauseProducing}. */
  paused = false;
  /** `true` in line mode (the default), `false` in raw mode. */
  lineMode = true;

  /** Whether lines are delivered as UTF-8 strings (`true`) or bytes. */
  protected abstract get textLines(): boolean;

  #decoder: ProtocolDecoder<L> | null = null;
  #busy = false;
  #pending: PendingResults = null;

  /** Called with each complete line (delimiter removed). Override it. Default: nothing. */
  lineReceived(_line: L): unknown {
    return undefined;
  }

  /** Called in raw mode with every byte received, unsplit. Override it. Default: nothing. */
  rawDataReceived(_data: Uint8Array): unknown {
    return undefined;
  }

  /**
   * Called when a line is longer than `MAX_LENGTH` with the bytes being thrown away: the line, the
   * delimiter and whatever followed it in the buffer (Twisted's `line + delimiter + rest`). Everything
   * buffered is then forgotten. Default: `transport.loseConnection()`.
   */
  lineLengthExceeded(_data: Uint8Array): unknown {
    this.transport?.loseConnection();
    return undefined;
  }

  /** Writes `line` followed by the delimiter, in one write. Strings are sent as UTF-8. */
  sendLine(line: string | Uint8Array): void {
    writeLine(this.transport, line, this.delimiter);
  }

  /** Switches to raw mode: the rest of the current buffer goes to `rawDataReceived` in the same call. */
  setRawMode(): void {
    this.lineMode = false;
  }

  /**
   * Switches back to line mode. `extra` (e.g. the unused tail of a raw chunk) is decoded as lines at
   * once, before any later data.
   */
  setLineMode(extra?: string | Uint8Array): void {
    this.lineMode = true;
    if (extra !== undefined && extra.length !== 0) this.dataReceived(toBytes(extra));
  }

  /** Returns and forgets everything buffered (the partial line and input not yet delivered). */
  clearLineBuffer(): Uint8Array {
    return this.#decoder === null ? new Uint8Array(0) : this.#decoder.takeBuffered();
  }

  /** Stops delivering lines (even mid-buffer) and pauses the transport; data keeps being buffered. */
  pauseProducing(): void {
    this.paused = true;
    this.transport?.pauseProducing();
  }

  /** Resumes the transport and delivers what was buffered while paused. */
  resumeProducing(): void {
    this.paused = false;
    this.transport?.resumeProducing();
    this.dataReceived(EMPTY);
  }

  /** Stops for good: paused, and the transport stops producing (closes). */
  stopProducing(): void {
    this.paused = true;
    this.transport?.stopProducing();
  }

  override dataReceived(data: Uint8Array): unknown {
    const decoder = this.#syncDecoder();
    if (this.#busy || this.paused) {
      // Re-entrant call (from a handler) or paused: keep the bytes, in order; the running call or
      // resumeProducing() delivers them.
      decoder.append(data);
      return undefined;
    }
    this.#busy = true;
    try {
      if (this.lineMode || decoder.bufferedLength !== 0) {
        if (this.lineMode && this.transport?.disconnecting !== true) {
          if (this.textLines) decoder.decodeText(data, decoder.onLine as LineCallback<string>);
          else decoder.decode(data, decoder.onLine as LineCallback<Uint8Array>);
        } else decoder.append(data);
        this.#drain(decoder);
      } else if (data.length !== 0 && this.transport?.disconnecting !== true) {
        this.#collect(this.rawDataReceived(data));
      } else decoder.append(data);
    } finally {
      this.#busy = false;
    }
    // Nothing held between reads (the usual case when reads end on a line boundary): let the decoder
    // go, so an idle connection costs no framing state; the next read makes a fresh one.
    if (this.#decoder === decoder && decoder.idle) this.#decoder = null;
    const pending = this.#pending;
    if (pending === null) return undefined;
    this.#pending = null;
    return settle(pending);
  }

  /** Delivers what the decoder holds, in the current mode, until it is empty or we must stop. */
  #drain(decoder: ProtocolDecoder<L>): void {
    while (!this.paused && this.transport?.disconnecting !== true) {
      if (this.lineMode) {
        if (!decoder.hasBacklog) return;
        const done = this.textLines
          ? decoder.decodeText(EMPTY, decoder.onLine as LineCallback<string>)
          : decoder.decode(EMPTY, decoder.onLine as LineCallback<Uint8Array>);
        if (done) return;
      } else {
        if (decoder.bufferedLength === 0) return;
        this.#collect(this.rawDataReceived(decoder.takeBuffered()));
      }
    }
  }

  #collect(result: unknown): void {
    if (result !== undefined) this.#pending = collectThenable(this.#pending, result);
  }

  /** Creates the decoder on first use and applies changes to `MAX_LENGTH` / `delimiter`. */
  #syncDecoder(): ProtocolDecoder<L> {
    let decoder = this.#decoder;
    if (decoder === null) {
      decoder = new ProtocolDecoder<L>(
        this.delimiter,
        this.MAX_LENGTH,
        (line) => {
          this.#collect(this.lineReceived(line));
          // Stop right after this line if the handler switched to raw mode, paused or is closing:
          // the rest stays in the decoder and is handed over in the new mode, or when resumed.
          return this.lineMode && !this.paused && this.transport?.disconnecting !== true;
        },
        (overflow) => this.#collect(this.lineLengthExceeded(overflow.data)),
      );
      this.#decoder = decoder;
    } else decoder.sync(this.delimiter, this.MAX_LENGTH);
    return decoder;
  }
}

/**
 * Twisted's `LineReceiver`: splits the byte stream on `delimiter` (CRLF) and calls `lineReceived` with
 * each line as a **UTF-8 string**; use {@link BytesLineReceiver} for `Uint8Array` lines.
 *
 * - `MAX_LENGTH` (16384 bytes, delimiter excluded): a longer line calls `lineLengthExceeded(bytes)`,
 *   whose default closes the connection. A line of exactly `MAX_LENGTH` is accepted whatever the chunking.
 *   Unlike Twisted, an unterminated line is rejected as soon as it is certainly too long.
 * - `setRawMode()` / `setLineMode(extra)`: switching inside `lineReceived` hands the rest of the buffer
 *   to `rawDataReceived` in the same call; `extra` passed to `setLineMode` is decoded as lines.
 * - `pauseProducing()` stops delivery mid-buffer; `resumeProducing()` delivers the backlog.
 * - Nothing is delivered once the transport is disconnecting (Twisted delivers one more line).
 * - `lineReceived` may be `async`; a rejection is reported to the reactor like a throw. Its return
 *   value does not stop parsing (in Twisted a truthy return does).
 *
 * @example
 * ```ts
 * class Echo extends LineReceiver {
 *   override lineReceived(line: string) {
 *     if (line === "quit") this.transport?.loseConnection();
 *     else this.sendLine(`echo: ${line}`);
 *   }
 * }
 * ```
 */
export class LineReceiver extends LineReceiverBase<string> {
  protected get textLines(): boolean {
    return true;
  }
}

/**
 * {@link LineReceiver} with lines as `Uint8Array` (no UTF-8 decoding). A line is a view into the
 * received chunk or a fresh copy; keep it as long as you like.
 *
 * @example
 * ```ts
 * class Hex extends BytesLineReceiver {
 *   override lineReceived(line: Uint8Array) { this.sendLine(Buffer.from(line).toString("hex")); }
 * }
 * ```
 */
export class BytesLineReceiver extends LineReceiverBase<Uint8Array> {
  protected get textLines(): boolean {
    return false;
  }
}
