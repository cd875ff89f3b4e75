import { InvalidArgumentError } from "../core/errors.js";
import { ClientFactory } from "../core/factory.js";
import type { Connector, DelayedCall, ReactorTime } from "../core/interfaces.js";

const NV_MAGICCONST = (4 * Math.exp(-0.5)) / Math.sqrt(2);

/**
 * A normal variate drawn from uniform numbers in [0, 1), by the Kinderman–Monahan ratio method (the
 * one CPython's `random.normalvariate` uses, so the same uniform stream gives the same numbers).
 */
export function normalVariate(
  mu: number,
  sigma: number,
  random: () => number = Math.random,
): number {
  let z: number;
  for (;;) {
    const u1 = random();
    const u2 = 1 - random();
    z = (NV_MAGICCONST * (u1 - 0.5)) / u2;
    if ((z * z) / 4 <= -Math.log(u2)) break;
  }
  return mu + z * sigma;
}

/**
 * A client factory that reconnects with capped exponential backoff and jitter, as Twisted's
 * `ReconnectingClientFactory` (times in milliseconds here):
 * `delay = min(delay * factor, maxDelay)`, then `delay = normal(delay, delay * jitter)`.
 *
 * Call {@link ReconnectingClientFactory.resetDelay} from `connectionMade` (or `buildProtocol`) once a
 * connection succeeds, and {@link ReconnectingClientFactory.stopTrying} to give up.
 *
 * @example
 * ```ts
 * class Factory extends ReconnectingClientFactory {
 *   override buildProtocol(addr: Address) { this.resetDelay(); return new MyProtocol(); }
 * }
 * reactor.connectTCP("localhost", 9000, new Factory());
 * ```
 */
export class ReconnectingClientFactory extends ClientFactory {
  /** Upper bound of the delay, ms (Twisted: 3600 s). */
  maxDelay = 3_600_000;
  /** First delay, ms (Twisted: 1 s). */
  initialDelay = 1_000;
  /** Growth factor per retry (Twisted: e). */
  factor = Math.E;
  /** Relative standard deviation of the jitter. */
  jitter = 0.119_626_565_582;
  /** Give up after this many retries; `null` = never. */
  maxRetries: number | null = null;
  /** Current delay, ms. */
  delay = this.initialDelay;
  /** Retries since the last `resetDelay()`. */
  retries = 0;
  /** `false` after `stopTrying()`. */
  continueTrying = true;
  /** The time source for retries; defaults to the connector's reactor. */
  clock: ReactorTime | null = null;
  /** Uniform random source in [0, 1) used for the jitter (injectable for tests). */
  random: () => number = Math.random;
  /** The pending retry, if any. */
  callID: DelayedCall | null = null;
  /** The connector being retried. */
  connector: Connector | null = null;

  override clientConnectionFailed(connector: Connector, _reason: Error): void {
    if (this.continueTrying) {
      this.connector = connector;
      this.retry(connector);
    }
  }

  override clientConnectionLost(connector: Connector, _reason: Error): void {
    if (this.continueTrying) {
      this.connector = connector;
      this.retry(connector);
    }
  }

  /**
   * Schedules the next attempt on `connector` (or the last one seen). Does nothing after
   * `stopTrying()`; throws `InvalidArgumentError` (`ERR_INVALID_ARG`) when there is no connector to
   * retry (as Twisted's `ValueError`).
   */
  retry(connector: Connector | null = this.connector): void {
    if (!this.continueTrying) return;
    if (!connector) throw new InvalidArgumentError("retry(): no connector to retry.");
    this.retries += 1;
    if (this.maxRetries !== null && this.retries > this.maxRetries) return;
    this.delay = Math.min(this.delay * this.factor, this.maxDelay);
    if (this.jitter) this.delay = normalVariate(this.delay, this.delay * this.jitter, this.random);
    const clock = this.clock ?? connector.clock;
    if (!clock) throw new TypeError("ReconnectingClientFactory needs a clock: set factory.clock.");
    this.callID = clock.callLater(this.delay, () => {
      this.callID = null;
      connector.connect();
    });
  }

  /** Stops reconnecting: cancels a pending retry and a connection attempt in progress. */
  stopTrying(): void {
    // A reactor stop cancels pending calls, so the retry may already be cancelled: no AlreadyCancelled.
    if (this.callID?.active()) this.callID.cancel();
    this.callID = null;
    this.continueTrying = false;
    if (this.connector && this.connector.state === "connecting") this.connector.stopConnecting();
  }

  /** Back to the initial delay and zero retries; call it once a connection succeeded. */
  resetDelay(): void {
    this.delay = this.initialDelay;
    this.retries = 0;
    this.callID = null;
    this.continueTrying = true;
  }
}
