import { AlreadyCalled, AlreadyCancelled } from "../core/errors.js";
import type { DelayedCall, ProtocolLike, ReactorTime, Transport } from "../core/interfaces.js";
import { reactor as defaultReactor } from "../node/default-reactor.js";

/**
 * An idle timer a protocol owns (the engine of Twisted's `TimeoutMixin`, as a composable object).
 * Nothing is armed until {@link IdleTimeout.setTimeout} is called with a period; when it expires,
 * `onTimeout` runs once. Cancel it when the connection goes (`setTimeout(null)` or
 * {@link IdleTimeout.cancel}), or the timer outlives the connection.
 *
 * @example
 * ```ts
 * class Session extends Protocol {
 *   idle = new IdleTimeout(reactor, () => this.transport?.loseConnection());
 *   override connectionMade() { this.idle.setTimeout(30_000); }
 *   override dataReceived(data: Uint8Array) { this.idle.resetTimeout(); }
 *   override connectionLost(reason: Error) { this.idle.cancel(); super.connectionLost(reason); }
 * }
 * ```
 */
export class IdleTimeout {
  #period: number | null = null;
  #call: DelayedCall | null = null;

  /** Creates an unarmed timer on `clock` (a reactor or a test clock). */
  constructor(
    readonly clock: ReactorTime,
    readonly onTimeout: () => void,
  ) {}

  /** The current period in ms, or `null` when disarmed. */
  get periodMs(): number | null {
    return this.#period;
  }

  /** `true` while a countdown is pending. */
  get armed(): boolean {
    return this.#call?.active() === true;
  }

  /**
   * Arms (or re-arms, restarting the countdown) with `periodMs`, or disarms with `null`. Returns the
   * previous period.
   */
  setTimeout(periodMs: number | null): number | null {
    const previous = this.#period;
    this.#period = periodMs;
    if (this.#call) {
      if (periodMs === null) {
        try {
          this.#call.cancel();
        } catch (error) {
          if (!(error instanceof AlreadyCalled || error instanceof AlreadyCancelled)) throw error;
        }
        this.#call = null;
      } else if (this.#call.active()) {
        this.#call.reset(periodMs);
      } else {
        this.#call = this.clock.callLater(periodMs, this.#expired);
      }
    } else if (periodMs !== null) {
      this.#call = this.clock.callLater(periodMs, this.#expired);
    }
    return previous;
  }

  /** Restarts the countdown (call it on activity). Does nothing when disarmed. */
  resetTimeout(): void {
    if (this.#call?.active() && this.#period !== null) this.#call.reset(this.#period);
  }

  /** Disarms the timer (same as `setTimeout(null)`). */
  cancel(): void {
    this.setTimeout(null);
  }

  #expired = (): void => {
    this.#call = null;
    this.onTimeout();
  };
}

/** What {@link TimeoutMixin} adds to a protocol class. */
export interface TimeoutProtocol {
  /** The clock the timeout runs on (default: the default `reactor`). Set it to your reactor or a test clock. */
  timeoutClock: ReactorTime;
  /** The current period (ms) or `null`. Assigning it alone arms nothing, as in Twisted. */
  readonly timeOut: number | null;
  /** Arms/re-arms (`ms`) or disarms (`null`) the idle timeout; returns the previous period. */
  setTimeout(periodMs: number | null): number | null;
  /** Restarts the countdown; no-op when disarmed. */
  resetTimeout(): void;
  /** Called when the timeout expires. Default: `transport.loseConnection()`. */
  timeoutConnection(): void;
}

/** A class whose instances are protocols with a transport (like `Protocol`). */
// biome-ignore lint/suspicious/noExplicitAny: TypeScript requires `any[]` constructor parameters for mixin bases.
export type ProtocolClass = new (...args: any[]) => ProtocolLike & { transport: Transport | null };

// Per-instance timers of TimeoutMixin classes (a class expression cannot export #private members).
const timers = new WeakMap<object, IdleTimeout>();

/**
 * Adds Twisted's `TimeoutMixin` methods to a protocol class. Unlike Twisted, the timeout is
 * disarmed automatically in `connectionLost`, so a closed connection never leaves a timer behind.
 *
 * @example
 * ```ts
 * class Session extends TimeoutMixin(Protocol) {
 *   override connectionMade() { this.timeoutClock = myReactor; this.setTimeout(30_000); }
 *   override dataReceived() { this.resetTimeout(); }
 * }
 * ```
 */
export function TimeoutMixin<TBase extends ProtocolClass>(Base: TBase) {
  return class WithTimeout extends Base implements TimeoutProtocol {
    timeoutClock: ReactorTime = defaultReactor;

    get timeOut(): number | null {
      return timers.get(this)?.periodMs ?? null;
    }

    setTimeout(periodMs: number | null): number | null {
      let idle = timers.get(this);
      if (idle === undefined || idle.clock !== this.timeoutClock) {
        // First use, or the clock was changed: move the period over to a timer on the new clock.
        const prior = idle?.periodMs ?? null;
        idle?.cancel();
        idle = new IdleTimeout(this.timeoutClock, () => this.timeoutConnection());
        timers.set(this, idle);
        idle.setTimeout(periodMs);
        return prior;
      }
      return idle.setTimeout(periodMs);
    }

    resetTimeout(): void {
      timers.get(this)?.resetTimeout();
    }

    timeoutConnection(): void {
      this.transport?.loseConnection();
    }

    override connectionLost(reason: Error): unknown {
      timers.get(this)?.cancel();
      return super.connectionLost(reason);
    }
  };
}
