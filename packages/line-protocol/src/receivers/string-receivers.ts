/**
 * Twisted's `NetstringReceiver` and `Int8/Int16/Int32StringReceiver`, on {@link NetstringDecoder}
 * and {@link LengthPrefixedDecoder}. Payloads are bytes (`Uint8Array`): these are binary framings.
 */
import { type Producer, Protocol } from "@lr/reactor";
import { EMPTY } from "../bytes.js";
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
import { collectThenable, type PendingResults, settle } from "./protocol-support.js";

/** What the receivers need from a frame decoder. */
interface FrameDecoder {
  maxLength: number;
  decode(chunk: Uint8Array, onFrame: (payload: Uint8Array) => unknown): boolean;
  append(chunk: Uint8Array): void;
  readonly hasBacklog: boolean;
}

/** Shared delivery loop: pausable, re-entrancy safe, nothing delivered while disconnecting. */
abstract class FramedReceiver extends Protocol implements Producer {
  /** Longest accepted payload in bytes (default 99999). Checked on every read. */
  MAX_LENGTH = 99999;
  /** `true` while delivery is held back by `pauseProducing()`. */
  paused = false;
  #decoder: FrameDecoder | null = null;
  #busy = false;
  #pending: PendingResults = null;
  readonly #onFrame = (payload: Uint8Array): boolean => {
    const result = this.stringReceived(payload);
    if (result !== undefined) this.#pending = collectThenable(this.#pending, result);
    return !this.paused && this.transport?.disconnecting !== true;
  };

  #canDeliver(): boolean {
    return !this.paused && this.transport?.disconnecting !== true;
  }

  /** Called with each payload. Override it. Default: nothing. */
  stringReceived(_payload: Uint8Array): unknown {
    return undefined;
  }

  /** Frames and writes `data` (strings are UTF-8). */
  abstract sendString(data: string | Uint8Array): void;

  /** Builds this protocol's decoder (called once, on the first read). */
  protected abstract createDecoder(): FrameDecoder;

  /** Records the result of a handler so an async rejection reaches the reactor. */
  protected collect(result: unknown): void {
    if (result !== undefined) this.#pending = collectThenable(this.#pending, result);
  }

  /** Stops delivery (even mid-buffer) and pauses the transport; data keeps being buffered. */
  pauseProducing(): void {
    this.paused = true;
    this.transport?.pauseProducing();
  }

  /** Resumes the transport and delivers what was buffered. */
  resumeProducing(): void {
    this.paused = false;
    this.transport?.resumeProducing();
    this.dataReceived(EMPTY);
  }

  /** Stops for good. */
  stopProducing(): void {
    this.paused = true;
    this.transport?.stopProducing();
  }

  override dataReceived(data: Uint8Array): unknown {
    let decoder = this.#decoder;
    if (decoder === null) {
      decoder = this.createDecoder();
      this.#decoder = decoder;
    }
    if (decoder.maxLength !== this.MAX_LENGTH) decoder.maxLength = this.MAX_LENGTH;
    if (this.#busy || this.paused || this.transport?.disconnecting === true) {
      decoder.append(data);
      return undefined;
    }
    this.#busy = true;
    try {
      let done = decoder.decode(data, this.#onFrame);
      while (!done && decoder.hasBacklog && this.#canDeliver()) {
        done = decoder.decode(EMPTY, this.#onFrame);
      }
    } finally {
      this.#busy = false;
    }
    const pending = this.#pending;
    this.#pending = null;
    return settle(pending);
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
export class NetstringReceiver extends FramedReceiver {
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

  protected createDecoder(): FrameDecoder {
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
export abstract class IntNStringReceiver extends FramedReceiver {
  /** Prefix size in bytes. */
  abstract readonly prefixLength: PrefixLength;

  /** Called with an announced length over `MAX_LENGTH`. Default: `transport.loseConnection()`. */
  lengthLimitExceeded(_length: number): unknown {
    this.transport?.loseConnection();
    return undefined;
  }

  /** Frames and writes `data`. Throws `StringTooLongError` (`ERR_STRING_TOO_LONG`) if it does not fit the prefix. */
  sendString(data: string | Uint8Array): void {
    const framed = encodeLengthPrefixed(data, this.prefixLength);
    this.transport?.write(framed);
  }

  protected createDecoder(): FrameDecoder {
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
