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

  constructor(
    delimiter: string | Uint8Array,
    maxLength: number,
    readonly onLine: LineCallback<L>,
    onOverflow: (overflow: LineOverflow) => void,
  ) {
    super({ delimiter: delimiterBytes(delimiter), maxLength, overflow: "drop", onOverflow });
    this.source = delimiter;
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
