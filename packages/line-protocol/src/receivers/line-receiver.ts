/**
 * Twisted's `LineReceiver` on top of {@link LineDecoder}: line mode and raw mode, pausable,
 * re-entrancy safe.
 */
import { toBytes } from "../bytes.js";
import { CRLF, DEFAULT_MAX_LINE_LENGTH, type LineCallback } from "../decoders/line-decoder.js";
import { NotImplementedError } from "../errors.js";
import { DeliveryLoop } from "./delivery-loop.js";
import { ProtocolDecoder } from "./protocol-decoder.js";
import { publishLineTooLong, writeLine } from "./protocol-support.js";

/**
 * Shared implementation of {@link LineReceiver} (string lines) and {@link BytesLineReceiver} (byte lines).
 * Not exported: subclass one of those two.
 */
abstract class LineReceiverBase<L extends string | Uint8Array> extends DeliveryLoop {
  /**
   * Line delimiter (Twisted default CRLF). May be changed at any time, e.g. in a subclass field;
   * a change made inside `lineReceived` applies to the very next line.
   */
  delimiter: string | Uint8Array = CRLF;
  /**
   * Longest accepted line in bytes, delimiter excluded (default 16384). Checked on every read and
   * after every line, so it may be overridden in a subclass or set on the instance at any time, e.g.
   * from a `--max-line-length` flag.
   */
  MAX_LENGTH: number = DEFAULT_MAX_LINE_LENGTH;
  /** `true` in line mode (the default), `false` in raw mode. */
  lineMode = true;

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
   * Called in raw mode with every byte received, unsplit. Override it if you use raw mode. The
   * default throws {@link NotImplementedError} (as Twisted's raises).
   */
  rawDataReceived(_data: Uint8Array): unknown {
    throw new NotImplementedError("rawDataReceived");
  }

  /**
   * Called when a line is longer than `MAX_LENGTH` with the bytes being thrown away: the line, the
   * delimiter and whatever followed it in the buffer (Twisted's `line + delimiter + rest`); for an
   * unterminated line, every byte held of it, however many reads it came in. Everything buffered is
   * then forgotten. Default: `transport.loseConnection()`.
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
   * once (from `rawDataReceived`: right after it returns), before any later data.
   */
  setLineMode(extra?: string | Uint8Array): void {
    this.lineMode = true;
    if (extra !== undefined && extra.length !== 0) this.dataReceived(toBytes(extra));
  }

  /** Returns and forgets everything buffered (the partial line and input not yet delivered). */
  clearLineBuffer(): Uint8Array {
    return this.#decoder === null ? new Uint8Array(0) : this.#decoder.takeBuffered();
  }

  protected hold(data: Uint8Array): void {
    // Settings are applied by the next delivery, never here: a hold from inside a handler
    // (setLineMode(extra), a re-entrant dataReceived) must not change the decoder under the scan
    // that is running (the handler's return value tells it to stop and apply them).
    (this.#decoder ?? this.#syncDecoder()).append(data);
  }

  protected deliver(data: Uint8Array, _resumed: boolean): boolean {
    const decoder = this.#syncDecoder();
    if (this.lineMode) {
      return this.textLines
        ? decoder.decodeText(data, decoder.onLine as LineCallback<string>)
        : decoder.decode(data, decoder.onLine as LineCallback<Uint8Array>);
    }
    let raw = data;
    if (decoder.bufferedLength !== 0) {
      decoder.append(data);
      raw = decoder.takeBuffered();
    }
    if (raw.length !== 0) this.collect(this.rawDataReceived(raw));
    // setLineMode(extra) or a re-entrant dataReceived from rawDataReceived left input to go on with.
    return !decoder.hasBacklog;
  }

  protected override afterDelivery(): void {
    // Nothing held between reads (the usual case when reads end on a line boundary): let the decoder
    // go, so an idle connection costs no framing state; the next read makes a fresh one.
    if (this.#decoder?.idle === true) this.#decoder = null;
  }

  /** Creates the decoder on first use and applies changes to `MAX_LENGTH` / `delimiter`. */
  #syncDecoder(): ProtocolDecoder<L> {
    let decoder = this.#decoder;
    if (decoder === null) {
      const created: ProtocolDecoder<L> = new ProtocolDecoder<L>(
        this.delimiter,
        this.MAX_LENGTH,
        (line) => {
          this.collect(this.lineReceived(line));
          // Stop right after this line if the handler switched to raw mode, paused, is closing or
          // changed the delimiter or MAX_LENGTH: the rest stays in the decoder and is handed over in
          // the new mode or with the new settings (at once), or when resumed.
          return (
            this.lineMode &&
            this.canDeliver() &&
            created.source === this.delimiter &&
            created.maxLength === this.MAX_LENGTH
          );
        },
        (overflow) => {
          publishLineTooLong(this, overflow);
          this.collect(this.lineLengthExceeded(overflow.data));
        },
        true,
      );
      decoder = created;
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
 *   As in Twisted, an unterminated line is rejected once `MAX_LENGTH` plus the delimiter's length
 *   bytes of it are held, judged at every read (also an empty one, e.g. after `MAX_LENGTH` was lowered).
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
