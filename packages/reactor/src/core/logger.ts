/** Severity of a {@link LogEvent}. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** One structured log event, handed to every {@link Logger}. */
export interface LogEvent {
  /** Severity. */
  readonly level: LogLevel;
  /** Human-readable text, one line. */
  readonly message: string;
  /** The error being reported, if any. */
  readonly error?: unknown;
  /** Extra structured fields (which callback failed, which peer...). */
  readonly context?: Readonly<Record<string, unknown>>;
}

/**
 * A log observer, in the spirit of `twisted.logger`: the reactor emits structured events and the
 * logger decides what to do with them. Library code never prints on its own.
 *
 * @example
 * ```ts
 * const events: LogEvent[] = [];
 * const reactor = createReactor({ logger: { emit: (e) => events.push(e) } });
 * ```
 */
export interface Logger {
  /** Receives one event. Must not throw. */
  emit(event: LogEvent): void;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * The default logger: one line per event on stderr, followed by the error's stack when there is one.
 * Events below `minLevel` (default `"info"`) are dropped.
 */
export function createStderrLogger(minLevel: LogLevel = "info"): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  return {
    emit(event) {
      if (order[event.level] < order[minLevel]) return;
      let text = `[lr] ${event.level}: ${event.message}\n`;
      if (event.error !== undefined) text += `${describe(event.error)}\n`;
      process.stderr.write(text);
    },
  };
}

/** A logger that discards everything. */
export const nullLogger: Logger = { emit() {} };
