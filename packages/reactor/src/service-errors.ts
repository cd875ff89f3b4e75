/**
 * Errors of the reactor services (tasks, endpoints, services, react). Like every lr error they carry
 * a stable `code`; assert on it, not on the message.
 */
import { LrError, type LrErrorOptions } from "./errors.js";

/** A Promise-returning helper was cancelled (AbortSignal, or its reactor stopped). Code `ERR_CANCELLED`. */
export class CancelledError extends LrError {
  constructor(message = "The operation was cancelled.", options?: LrErrorOptions) {
    super("ERR_CANCELLED", message, options);
  }
}

/**
 * A `LoopingCall` was started while running (`ERR_LOOPING_CALL_RUNNING`) or stopped/reset while not
 * running (`ERR_LOOPING_CALL_NOT_RUNNING`).
 */
export class LoopingCallStateError extends LrError {
  constructor(running: boolean) {
    super(
      running ? "ERR_LOOPING_CALL_RUNNING" : "ERR_LOOPING_CALL_NOT_RUNNING",
      running ? "The looping call is already running." : "The looping call is not running.",
    );
  }
}

/**
 * An endpoint description string could not be parsed or names something unknown. Code
 * `ERR_BAD_ENDPOINT`. `part` is the offending piece of the string (a type, a key, a value).
 */
export class BadEndpointError extends LrError {
  /** The whole description that was rejected. */
  readonly description: string;
  /** The part of it that is wrong. */
  readonly part: string;
  constructor(description: string, part: string, problem: string) {
    super(
      "ERR_BAD_ENDPOINT",
      `Bad endpoint ${JSON.stringify(description)}: ${problem} (at ${JSON.stringify(part)}).`,
    );
    this.description = description;
    this.part = part;
  }
}

/**
 * Thrown (or rejected) by a `react()` main function to end the program with a given exit code, like
 * Python's `SystemExit`. Code `ERR_SYSTEM_EXIT`; the process exit code is {@link SystemExit.exitCode}.
 *
 * @example
 * ```ts
 * await react(async () => { throw new SystemExit(3, "nothing to do"); });
 * ```
 */
export class SystemExit extends LrError {
  /** The exit code the program should end with. */
  readonly exitCode: number;
  constructor(exitCode: number, message = `Exiting with code ${exitCode}.`) {
    super("ERR_SYSTEM_EXIT", message);
    this.exitCode = exitCode;
  }
}

/**
 * A service-tree operation was invalid: a duplicate child name (`ERR_DUPLICATE_SERVICE`), renaming
 * a parented service (`ERR_SERVICE_NAMED`), or an unknown child (`ERR_NO_SUCH_SERVICE`).
 */
export class ServiceError extends LrError {
  constructor(
    code: "ERR_DUPLICATE_SERVICE" | "ERR_SERVICE_NAMED" | "ERR_NO_SUCH_SERVICE",
    message: string,
  ) {
    super(code, message);
  }
}
