// Acceptance times for points without `time`: nanoseconds, strictly increasing across payloads.
import type { Clock } from '../clock.js';

export class AcceptStamp {
  readonly #clock: Clock;
  #last = 0n;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Reserves `count` consecutive nanosecond stamps and returns the first. */
  reserve(count: number): bigint {
    let base = BigInt(this.#clock.now()) * 1_000_000n;
    if (base <= this.#last) base = this.#last + 1n;
    this.#last = base + BigInt(Math.max(1, count)) - 1n;
    return base;
  }
}
