/**
 * Errors of `@lr/line-protocol`. Each has a stable `code` (assert on it, not on the message) and
 * extends `@lr/reactor`'s `LrError`, so `instanceof` works across duplicate installs.
 */
import { LrError } from "@lr/reactor";

/**
 * A line grew longer than the decoder's `maxLength` (bytes, delimiter excluded). Code `ERR_LINE_TOO_LONG`.
 * Thrown by {@link LineDecoder} only when no `onOverflow` callback was given; the stream adapters
 * error their stream / iterator with it.
 *
 * @example
 * ```ts
 * try { decoder.push(chunk); } catch (e) { if (e instanceof LineTooLongError) socket.destroy(); }
 * ```
 */
export class LineTooLongError extends LrError {
  /** Bytes of the over-long line seen when the overflow was detected (always > `maxLength`). */
  readonly length: number;
  /** The limit that was exceeded. */
  readonly maxLength: number;
  constructor(length: number, maxLength: number) {
    super(
      "ERR_LINE_TOO_LONG",
      `Line of at least ${length} bytes exceeds the maximum of ${maxLength} bytes.`,
    );
    this.length = length;
    this.maxLength = maxLength;
  }
}

/**
 * A length prefix announced a frame longer than the decoder's `maxLength`. Code `ERR_FRAME_TOO_LONG`.
 *
 * @example
 * ```ts
 * if (e instanceof FrameTooLongError) console.log(e.length, e.maxLength);
 * ```
 */
export class FrameTooLongError extends LrError {
  /** The announced length. */
  readonly length: number;
  /** The limit that was exceeded. */
  readonly maxLength: number;
  constructor(length: number, maxLength: number) {
    super(
      "ERR_FRAME_TOO_LONG",
      `Frame of ${length} bytes exceeds the maximum of ${maxLength} bytes.`,
    );
    this.length = length;
    this.maxLength = maxLength;
  }
}

/** Why a netstring could not be parsed (see {@link NetstringParseError.reason}). */
export type NetstringErrorReason =
  | "bad-length" // a non-digit where a length digit or ':' was expected, or an empty length
  | "leading-zero" // a length with a leading zero ("03:")
  | "too-long" // the announced length exceeds maxLength
  | "missing-comma"; // the payload is not followed by ','

/**
 * Malformed netstring input. Code `ERR_NETSTRING_PARSE`; `reason` says what was wrong.
 *
 * @example
 * ```ts
 * if (e instanceof NetstringParseError && e.reason === "too-long") transport.loseConnection();
 * ```
 */
export class NetstringParseError extends LrError {
  /** What was wrong with the input. */
  readonly reason: NetstringErrorReason;
  constructor(reason: NetstringErrorReason, message: string) {
    super("ERR_NETSTRING_PARSE", message);
    this.reason = reason;
  }
}

/**
 * A string is too long to be framed with the prefix size (e.g. 256 bytes or more with a 1-byte prefix).
 * Code `ERR_STRING_TOO_LONG`. Thrown synchronously by `sendString` / `encodeLengthPrefixed`.
 *
 * @example
 * ```ts
 * try { proto.sendString(big); } catch (e) { if (e instanceof StringTooLongError) { split it } }
 * ```
 */
export class StringTooLongError extends LrError {
  /** Length in bytes of the string that was refused. */
  readonly length: number;
  /** The exclusive upper bound for the prefix size (2^(8n)). */
  readonly limit: number;
  constructor(length: number, limit: number) {
    super(
      "ERR_STRING_TOO_LONG",
      `String of ${length} bytes is too long for the prefix: the maximum is ${limit - 1}.`,
    );
    this.length = length;
    this.limit = limit;
  }
}

/**
 * The input ended inside a frame (a netstring or length-prefixed frame cut short). Code
 * `ERR_TRUNCATED_FRAME`. Thrown by a frame decoder's `finish()`, so `frames()` / `DecoderStream`
 * report a stream that stopped mid-frame instead of dropping the partial frame silently.
 *
 * @example
 * ```ts
 * if (e instanceof TruncatedFrameError) console.log(`${e.length} bytes of an unfinished frame`);
 * ```
 */
export class TruncatedFrameError extends LrError {
  /** Bytes of the unfinished frame that were held. */
  readonly length: number;
  constructor(length: number) {
    super("ERR_TRUNCATED_FRAME", `Input ended inside a frame (${length} bytes held).`);
    this.length = length;
  }
}

/**
 * A handler that a subclass must override was called without an override (Twisted raises
 * `NotImplementedError` there): the default `lineReceived`, `rawDataReceived` and
 * `stringReceived`. Code `ERR_NOT_IMPLEMENTED`. Thrown from `dataReceived`, so the reactor logs it
 * and drops that connection, as Twisted does.
 *
 * @example
 * ```ts
 * class Silent extends LineReceiver { override lineReceived(_line: string) {} } // no error
 * ```
 */
export class NotImplementedError extends LrError {
  /** The method that was not overridden, e.g. `"lineReceived"`. */
  readonly method: string;
  constructor(method: string) {
    super("ERR_NOT_IMPLEMENTED", `${method}() must be overridden by a subclass.`);
    this.method = method;
  }
}
