import { InvalidArgumentError } from "@lr/reactor";

/** A `[min, max]` range of numbers (both ends included). */
export type Range = readonly [min: number, max: number];

/** One step of SplitMix32: spreads a seed's bits before they become the generator's state. */
function splitmix32(state: number): [next: number, out: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  z ^= z >>> 15;
  return [next, z >>> 0];
}

/**
 * A small, fast, seeded pseudo-random generator (SFC32, seeded through SplitMix32): the same seed
 * gives the same sequence on every platform and in every process. It never reads `Math.random` or
 * the time. Not for cryptography.
 *
 * @example
 * ```ts
 * const a = new Prng(42);
 * const b = new Prng(42);
 * a.int(1, 6) === b.int(1, 6); // always true
 * ```
 */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** Seeds the generator. Throws `InvalidArgumentError` unless `seed` is a safe integer. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed))
      throw new InvalidArgumentError(`A seed must be a safe integer, got ${String(seed)}.`);
    // Both 32-bit halves of the seed take part (seeds above 2^32 differ from their low half).
    const high = Math.floor(seed / 0x1_0000_0000) | 0;
    let s = (seed | 0) ^ Math.imul(high, 0x85ebca6b);
    let out: number;
    [s, out] = splitmix32(s);
    this.#a = out;
    [s, out] = splitmix32(s);
    this.#b = out;
    [s, out] = splitmix32(s);
    this.#c = out;
    [s, out] = splitmix32(s ^ high);
    this.#d = out;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** The next 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** An integer in [min, max] (both included; `min` and `max` are rounded towards each other). */
  int(min: number, max: number): number {
    const lo = Math.ceil(min);
    const hi = Math.floor(max);
    if (hi <= lo) return lo;
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** `true` with probability `p` (0 never draws: the sequence is not consumed). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.float() < p;
  }

  /** A number in `range`: an integer when both ends are integers, else a float. */
  inRange(range: Range): number {
    const [min, max] = range;
    if (max <= min) return min;
    if (Number.isInteger(min) && Number.isInteger(max)) return this.int(min, max);
    return min + this.float() * (max - min);
  }

  /** One element of `items` (which must not be empty). */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InvalidArgumentError("pick() needs at least one item.");
    return items[this.int(0, items.length - 1)] as T;
  }
}
