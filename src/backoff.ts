// Retry delays: exponential with full jitter, capped, and never shorter than the server asked for.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  factor: number;
  /** Returns a number in [0, 1); injectable for tests. */
  random: () => number;
}

export const BACKOFF_DEFAULTS: BackoffOptions = { baseMs: 250, maxMs: 30_000, factor: 2, random: Math.random };

export class Backoff {
  readonly #opts: BackoffOptions;

  constructor(options: Partial<BackoffOptions> = {}) {
    this.#opts = { ...BACKOFF_DEFAULTS, ...options };
    if (this.#opts.baseMs <= 0 || this.#opts.maxMs < this.#opts.baseMs || this.#opts.factor < 1) {
      throw new RangeError('backoff needs 0 < baseMs <= maxMs and factor >= 1');
    }
  }

  /** Delay before attempt number `failures + 1`, after `failures` consecutive failures (>= 1). */
  delay(failures: number, retryAfterMs?: number): number {
    const { baseMs, maxMs, factor, random } = this.#opts;
    const ceiling = Math.min(maxMs, baseMs * factor ** Math.max(0, failures - 1));
    const jittered = ceiling / 2 + random() * (ceiling / 2);
    return Math.max(Math.round(jittered), Math.min(retryAfterMs ?? 0, maxMs * 10));
  }
}

/** Reads a Retry-After header (seconds or an HTTP date) as milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
