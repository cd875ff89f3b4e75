/**
 * Error classes of `@lr/reactor`. Every error has a stable `code` string (assert on it, not on the
 * message) and a `name`. `instanceof` also works across duplicate installs of the package: the check
 * falls back to a brand carried by each instance.
 */

const kBrands = Symbol.for("@lr/reactor.errorBrands");

type Branded = { [kBrands]?: ReadonlySet<string> };

function collectBrands(instance: object): Set<string> {
  const brands = new Set<string>();
  let proto: object | null = Object.getPrototypeOf(instance) as object | null;
  while (proto && proto !== Error.prototype) {
    const ctor = (proto as { constructor?: { name?: string } }).constructor;
    if (ctor?.name) brands.add(ctor.name);
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return brands;
}

/** Options accepted by every lr error constructor. */
export interface LrErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Base class of every error thrown or reported by lr.
 *
 * @example
 * ```ts
 * try { reactor.stop(); } catch (e) { if (e instanceof LrError && e.code === "ERR_REACTOR_NOT_RUNNING") {} }
 * ```
 */
export class LrError extends Error {
  /** A stable, machine-readable identifier of the error kind. */
  readonly code: string;

  constructor(code: string, message: string, options?: LrErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    // The brands are a property of the class, not of each error: computed once per class and kept on
    // its prototype, where the cross-install check reads them through the prototype chain. (Walking
    // the chain into a new Set for every error was measurable: every closed connection makes one.)
    const proto = new.target.prototype as object;
    if (!Object.hasOwn(proto, kBrands))
      Object.defineProperty(proto, kBrands, { value: collectBrands(this), enumerable: false });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== "object" || value === null) return false;
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return (value as Branded)[kBrands]?.has(this.name) === true;
  }
}

/** `run()` was called on a reactor that is already running. Code `ERR_REACTOR_ALREADY_RUNNING`. */
export class ReactorAlreadyRunning extends LrError {
  constructor(message = "The reactor is already running.") {
    super("ERR_REACTOR_ALREADY_RUNNING", message);
  }
}

/** `stop()` was called on a reactor that is not running, or whose stop is already in progress. Code `ERR_REACTOR_NOT_RUNNING`. */
export class ReactorNotRunning extends LrError {
  constructor(message = "Can't stop a reactor that isn't running.") {
    super("ERR_REACTOR_NOT_RUNNING", message);
  }
}

/** A delayed call was cancelled, reset or delayed after it had run. Code `ERR_ALREADY_CALLED`. */
export class AlreadyCalled extends LrError {
  constructor(message = "The delayed call has already run.") {
    super("ERR_ALREADY_CALLED", message);
  }
}

/** A delayed call was cancelled, reset or delayed after it had been cancelled. Code `ERR_ALREADY_CANCELLED`. */
export class AlreadyCancelled extends LrError {
  constructor(message = "The delayed call has already been cancelled.") {
    super("ERR_ALREADY_CANCELLED", message);
  }
}

/** An invalid system-event phase was given. Code `ERR_INVALID_PHASE`. */
export class InvalidPhaseError extends LrError {
  constructor(phase: string) {
    super(
      "ERR_INVALID_PHASE",
      `Invalid system event phase ${JSON.stringify(phase)}: expected "before", "during" or "after".`,
    );
  }
}

/** `removeSystemEventTrigger` was given an id that is not (or no longer) registered. Code `ERR_TRIGGER_NOT_FOUND`. */
export class TriggerNotFoundError extends LrError {
  constructor() {
    super(
      "ERR_TRIGGER_NOT_FOUND",
      "No such system event trigger (already removed, already fired, or not an id).",
    );
  }
}

/** A port could not be bound (address in use, permission denied...). Code `ERR_CANNOT_LISTEN`. */
export class CannotListenError extends LrError {
  /** The address that could not be bound, as text (`host:port` or a UNIX path). */
  readonly address: string;
  constructor(address: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super("ERR_CANNOT_LISTEN", `Couldn't listen on ${address}: ${detail}`, { cause });
    this.address = address;
  }
}

/** The port is not listening (yet, or any more). Code `ERR_NOT_LISTENING`. */
export class NotListeningError extends LrError {
  constructor(message = "The port is not listening.") {
    super("ERR_NOT_LISTENING", message);
  }
}

/** A connection attempt failed. Subclasses say why. Code `ERR_CONNECT` unless a subclass says otherwise. */
export class ConnectError extends LrError {
  constructor(message: string, options?: LrErrorOptions & { code?: string }) {
    super(options?.code ?? "ERR_CONNECT", message, options);
  }
}

/** The peer refused the connection. Code `ERR_CONNECTION_REFUSED`. */
export class ConnectionRefusedError extends ConnectError {
  constructor(destination: string, cause?: unknown) {
    super(`Connection was refused by ${destination}.`, { code: "ERR_CONNECTION_REFUSED", cause });
  }
}

/** The connection attempt took longer than its timeout. Code `ERR_CONNECT_TIMEOUT`. */
export class ConnectTimeoutError extends ConnectError {
  constructor(destination: string, timeoutMs: number) {
    super(`Connecting to ${destination} timed out after ${timeoutMs} ms.`, {
      code: "ERR_CONNECT_TIMEOUT",
    });
  }
}

/** The host name could not be resolved. Code `ERR_DNS_LOOKUP`. */
export class DNSLookupError extends ConnectError {
  constructor(host: string, cause?: unknown) {
    super(`DNS lookup of ${host} failed.`, { code: "ERR_DNS_LOOKUP", cause });
  }
}

/** The connection attempt was cancelled (`stopConnecting()`, `disconnect()` or reactor shutdown). Code `ERR_CONNECTING_CANCELLED`. */
export class ConnectingCancelledError extends ConnectError {
  constructor(message = "The connection attempt was cancelled.") {
    super(message, { code: "ERR_CONNECTING_CANCELLED" });
  }
}

/** `stopConnecting()` was called on a connector that is not connecting. Code `ERR_NOT_CONNECTING`. */
export class NotConnectingError extends LrError {
  constructor() {
    super("ERR_NOT_CONNECTING", "The connector is not trying to connect.");
  }
}

/** `connect()` was called on a connector that is already connecting or connected. Code `ERR_ALREADY_CONNECTING`. */
export class AlreadyConnectingError extends LrError {
  constructor() {
    super("ERR_ALREADY_CONNECTING", "The connector is already connecting or connected.");
  }
}

/**
 * Base class of the reasons passed to `connectionLost`. Test `reason instanceof ConnectionDone` for a
 * clean close, anything else is an unclean one.
 */
export class ConnectionClosed extends LrError {}

/**
 * The connection was closed cleanly (by either side, after flushing). Code `ERR_CONNECTION_DONE`.
 * It is a reason, not a failure, so it carries no stack trace: the trace would only show the socket
 * event that delivered the close, and capturing it cost more than the rest of a clean close.
 */
export class ConnectionDone extends ConnectionClosed {
  constructor(message = "Connection was closed cleanly.") {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super("ERR_CONNECTION_DONE", message);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** The connection was lost in a non-clean fashion (reset, error, callback failure). Code `ERR_CONNECTION_LOST`. */
export class ConnectionLost extends ConnectionClosed {
  constructor(
    message = "Connection was lost in a non-clean fashion.",
    options?: LrErrorOptions & { code?: string },
  ) {
    super(options?.code ?? "ERR_CONNECTION_LOST", message, options);
  }
}

/** The connection was aborted locally (`abortConnection()`, shutdown timeout). Code `ERR_CONNECTION_ABORTED`. */
export class ConnectionAborted extends ConnectionLost {
  constructor(message = "Connection was aborted.", options?: LrErrorOptions) {
    super(message, { ...options, code: "ERR_CONNECTION_ABORTED" });
  }
}

/** A thread job was cancelled (reactor stopped, or its AbortSignal fired). Code `ERR_JOB_CANCELLED`. */
export class JobCancelledError extends LrError {
  constructor(message = "The thread job was cancelled.", options?: LrErrorOptions) {
    super("ERR_JOB_CANCELLED", message, options);
  }
}

/**
 * A thread job returned a value that cannot be sent back from its worker thread (a function, a
 * symbol, an object holding one, a class instance with private state...): structured clone refused
 * it. Code `ERR_JOB_RESULT_NOT_CLONEABLE`; the message names the value's type.
 */
export class JobResultNotCloneableError extends LrError {
  constructor(message: string, options?: LrErrorOptions) {
    super("ERR_JOB_RESULT_NOT_CLONEABLE", message, options);
  }
}

/** Throws a `TypeError`-like {@link LrError} with code `ERR_INVALID_ARG` for a bad argument. */
export class InvalidArgumentError extends LrError {
  constructor(message: string) {
    super("ERR_INVALID_ARG", message);
  }
}

/**
 * Virtual time cannot make progress: `Clock.runUntil()` awaits a Promise that nothing scheduled will
 * settle, or a loop of delay-0 calls never ends. Code `ERR_SIMULATION_STALLED`.
 *
 * @example
 * ```ts
 * await expect(clock.runUntil(new Promise(() => {}))).rejects.toMatchObject({ code: "ERR_SIMULATION_STALLED" });
 * ```
 */
export class SimulationStalledError extends LrError {
  constructor(message: string) {
    super("ERR_SIMULATION_STALLED", message);
  }
}

/**
 * A transport was used in a way its state does not allow (a second producer registered, resuming a
 * stopped producer...), on the real transports and on `@lr/testing`'s alike. Code `ERR_TRANSPORT_STATE`.
 */
export class TransportStateError extends LrError {
  constructor(message: string) {
    super("ERR_TRANSPORT_STATE", message);
  }
}

// ---------------------------------------------------------------- services (tasks, endpoints, services, react)

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
