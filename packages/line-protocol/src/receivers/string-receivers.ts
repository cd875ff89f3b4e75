/**
 * Twisted's `NetstringReceiver` and `Int8/Int16/Int32StringReceiver`, on {@link NetstringDecoder}
 * and {@link LengthPrefixedDecoder}. Payloads are bytes (`Uint8Array`): these are binary framings.
 */
import { toBytes } from "../bytes.js";
import type { BinaryFrameDecoder } from "../decoders/binary-frame-decoder.js";
import {
  encodeLengthPrefixed,
  LengthPrefixedDecoder,
  type PrefixLength,
} from "../decoders/length-prefixed.js";
import {
  DEFAULT_MAX_NETSTRING_LENGTH,
  encodeNetstring,
  NetstringDecoder,
} from "../decoders/netstring.js";
import { NotImplementedError } from "../errors.js";
import { DeliveryLoop } from "./delivery-loop.js";

/** What the string receivers need from their decoder (a {@link BinaryFrameDecoder}). */
type PayloadDecoder = BinaryFrameDecoder & { maxLength: number };

/** The receivers' side of the netstring / IntN protocols, on the shared {@link DeliveryLoop}. */
abstract class FramedReceiver<D extends PayloadDecoder> extends DeliveryLoop {
  /**
   * Longest accepted payload in bytes (default 99999). Checked on every read and after every
   * payload, also against a length already read (so lowering it applies at once).
   */
  MAX_LENGTH = 99999;
  #decoder: D | null = null;
  readonly #onFrame = (payload: Uint8Array): boolean => {
    this.collect(this.stringReceived(payload));
    const decoder = this.#decoder;
    if (decoder !== null && decoder.maxLength !== this.MAX_LENGTH)
      decoder.maxLength = this.MAX_LENGTH;
    return this.canDeliver();
  };

  /**
   * Called with each payload. Override it. The default throws {@link NotImplementedError} (as
   * Twisted's raises), so the reactor logs it and drops the connection.
   */
  stringReceived(_payload: Uint8Array): unknown {
    throw new NotImplementedError("stringReceived");
  }

  /** Frames and writes `data` (strings are UTF-8). */
  abstract sendString(data: string | Uint8Array): void;

  /** Builds this protocol's decoder (called once, on the first read). */
  protected abstract createDecoder(): D;

  /** This protocol's decoder, created on first use, with `MAX_LENGTH` applied. */
  protected get decoder(): D {
    let decoder = this.#decoder;
    if (decoder === null) {
      decoder = this.createDecoder();
      this.#decoder = decoder;
    }
    if (decoder.maxLength !== this.MAX_LENGTH) decoder.maxLength = this.MAX_LENGTH;
    return decoder;
  }

  protected hold(data: Uint8Array): void {
    this.decoder.append(data);
  }

  protected deliver(data: Uint8Array, _resumed: boolean): boolean {
    const decoder = this.decoder;
    return decoder.decode(data, this.#onFrame) && !decoder.hasBacklog;
  }
}

/**
 * Twisted's `NetstringReceiver`: `len:payload,` frames, `MAX_LENGTH` 99999. Any parse error closes the
 * connection and sets `brokenPeer`; the error is passed to `netstringParseError` first.
 *
 * @example
 * ```ts
 * class Echo extends NetstringReceiver {
 *   override stringReceived(s: Uint8Array) { this.sendString(s); }
 * }
 * ```
 */
export class NetstringReceiver extends FramedReceiver<NetstringDecoder> {
  override MAX_LENGTH = DEFAULT_MAX_NETSTRING_LENGTH;
  /** `true` once the peer sent malformed data. */
  brokenPeer = false;

  /** Called on malformed input (default: nothing more; the connection is being closed). */
  netstringParseError(_error: Error): unknown {
    return undefined;
  }

  sendString(data: string | Uint8Array): void {
    this.transport?.write(encodeNetstring(data));
  }

  protected createDecoder(): NetstringDecoder {
    return new NetstringDecoder({
      maxLength: this.MAX_LENGTH,
      onError: (error) => {
        this.brokenPeer = true;
        this.collect(this.netstringParseError(error));
        this.transport?.loseConnection();
      },
    });
  }
}

/**
 * Base of {@link Int8StringReceiver}, {@link Int16StringReceiver} and {@link Int32StringReceiver}:
 * frames with a big-endian unsigned length prefix of `prefixLength` bytes. A prefix over `MAX_LENGTH`
 * (99999) calls `lengthLimitExceeded(length)` (default: close the connection) and nothing more is
 * decoded. `sendString` throws `StringTooLongError` when the payload does not fit the prefix.
 *
 * @example
 * ```ts
 * class Echo extends Int32StringReceiver {
 *   override stringReceived(s: Uint8Array) { this.sendString(s); }
 * }
 * ```
 */
export abstract class IntNStringReceiver extends FramedReceiver<LengthPrefixedDecoder> {
  /** Prefix size in bytes. */
  abstract readonly prefixLength: PrefixLength;

  /** Called with an announced length over `MAX_LENGTH`. Default: `transport.loseConnection()`. */
  lengthLimitExceeded(_length: number): unknown {
    this.transport?.loseConnection();
    return undefined;
  }

  /**
   * The bytes received and not parsed into strings yet, as they came (Twisted's `recvd`): inside
   * `stringReceived`, what follows the current string; inside `lengthLimitExceeded`, the too-long
   * frame from its prefix on. Assigning it (e.g. inside `stringReceived`) replaces that input:
   * parsing goes on from the assigned bytes, at a frame boundary.
   */
  get recvd(): Uint8Array {
    return this.decoder.unparsed();
  }

  set recvd(data: string | Uint8Array) {
    this.decoder.replaceUnparsed(toBytes(data));
  }

  /** Frames and writes `data`. Throws `StringTooLongError` (`ERR_STRING_TOO_LONG`) if it does not fit the prefix. */
  sendString(data: string | Uint8Array): void {
    const framed = encodeLengthPrefixed(data, this.prefixLength);
    this.transport?.write(framed);
  }

  protected createDecoder(): LengthPrefixedDecoder {
    return new LengthPrefixedDecoder({
      prefixLength: this.prefixLength,
      maxLength: this.MAX_LENGTH,
      overflow: "drop",
      onOverflow: (length) => this.collect(this.lengthLimitExceeded(length)),
    });
  }
}

/**
 * {@link IntNStringReceiver} with a 1-byte prefix (payloads up to 255 bytes).
 *
 * @example
 * ```ts
 * class Tiny extends Int8StringReceiver { override stringReceived(s: Uint8Array) {} }
 * ```
 */
export class Int8StringReceiver extends IntNStringReceiver {
  readonly prefixLength = 1;
}

/**
 * {@link IntNStringReceiver} with a 2-byte prefix (payloads up to 65535 bytes).
 *
 * @example
 * ```ts
 * class Short extends Int16StringReceiver { override stringReceived(s: Uint8Array) {} }
 * ```
 */
export class Int16StringReceiver extends IntNStringReceiver {
  readonly prefixLength = 2;
}

/**
 * {@link IntNStringReceiver} with a 4-byte prefix.
 *
 * @example
 * ```ts
 * class Msg extends Int32StringReceiver { override stringReceived(s: Uint8Array) {} }
 * ```
 */
export class Int32StringReceiver extends IntNStringReceiver {
  readonly prefixLength = 4;
}
