/** The decoder a line protocol keeps while it holds framing state (internal). */
import { type LineCallback, LineDecoder, type LineOverflow } from "../decoders/line-decoder.js";
import { delimiterBytes } from "./protocol-support.js";

/**
 * A protocol's {@link LineDecoder} together with what it was made for: the protocol's `delimiter`
 * value and its line callback. Protocols drop it between reads when it holds nothing, so everything
 * here lives only while a connection has a partial line, and an idle connection keeps none of it.
 */
export class ProtocolDecoder<L> extends LineDecoder {
  /** The protocol's `delimiter` value this decoder splits on (compared by identity on each read). */
  source: string | Uint8Array;

  /**
   * `waitForDelimiterLength`: a held unterminated line is too long once it holds `maxLength` plus the
   * delimiter's length bytes (Twisted's `LineReceiver`); otherwise once it is longer than `maxLength`
   * without a trailing piece of the delimiter (the decoder's rule, lr's `LineOnlyReceiver`).
   */
  constructor(
    delimiter: string | Uint8Array,
    maxLength: number,
    readonly onLine: LineCallback<L>,
    onOverflow: (overflow: LineOverflow) => void,
    private readonly waitForDelimiterLength = false,
  ) {
    super({ delimiter: delimiterBytes(delimiter), maxLength, overflow: "drop", onOverflow });
    this.source = delimiter;
  }

  protected override partialTooLong(held: number, suffix: number): boolean {
    return this.waitForDelimiterLength
      ? held >= this.maxLength + this.delimiter.length
      : super.partialTooLong(held, suffix);
  }

  /** Applies changes made to the protocol's `MAX_LENGTH` / `delimiter` since the last read. */
  sync(delimiter: string | Uint8Array, maxLength: number): void {
    if (this.maxLength !== maxLength) this.maxLength = maxLength;
    if (this.source !== delimiter) {
      this.setDelimiter(delimiterBytes(delimiter));
      this.source = delimiter;
    }
  }
}
