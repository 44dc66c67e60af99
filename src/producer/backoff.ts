// Exponential backoff with jitter and a cap, and the reading of `Retry-After`.

/** How retries are spaced. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Longest delay we compute ourselves. */
  capMs: number;
  /** Longest `Retry-After` we honour; a server asking for more gets this much. */
  maxRetryAfterMs: number;
  /** Source of randomness in [0, 1), injectable for tests. */
  random: () => number;
}

/** Defaults sized for CI: a broker restart (a few seconds) is ridden out, a dead one is not waited on for long. */
export const BACKOFF_DEFAULTS: Readonly<BackoffOptions> = Object.freeze({
  baseMs: 500,
  capMs: 30_000,
  maxRetryAfterMs: 300_000,
  random: Math.random,
});

/** Computes the delay before retry number `retry` (0 for the first retry). */
export class Backoff {
  readonly #opts: BackoffOptions;
  constructor(opts: Partial<BackoffOptions> = {}) {
    this.#opts = { ...BACKOFF_DEFAULTS, ...opts };
    if (!(this.#opts.baseMs >= 0) || !(this.#opts.capMs >= this.#opts.baseMs)) {
      throw new Error('backoff: need 0 <= baseMs <= capMs');
    }
  }

  /**
   * The delay before a retry. A server's `Retry-After` wins over our own schedule (it knows
   * when it will have room), bounded so a bogus header cannot stall a CI job for hours.
   * Our own schedule doubles per retry and keeps a random half ("equal jitter") so that
   * many CI jobs refused at once do not come back at once.
   */
  delayMs(retry: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, this.#opts.maxRetryAfterMs);
    const exp = Math.min(this.#opts.capMs, this.#opts.baseMs * 2 ** Math.min(retry, 30));
    return Math.round(exp / 2 + this.#opts.random() * (exp / 2));
  }
}

/** Reads `Retry-After` (delta seconds or an HTTP date) as milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Resolves after `ms`; the default sleeper of the clients. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
