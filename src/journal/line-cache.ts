// The line protocol of recently accepted submissions, kept in memory so delivery need not read it back.

/** How much the cache may hold: points and characters of line protocol, whichever is reached first. */
export interface LineCacheLimits {
  points: number;
  chars: number;
}

/**
 * A bounded map from submission id to its lines; the oldest entries leave first. An entry that
 * left (or never fitted) is read from the journal's table by delivery, so the bounds cost reads,
 * never data.
 */
export class LineCache {
  readonly #limits: LineCacheLimits;
  readonly #entries = new Map<number, { lines: string; points: number }>();
  #points = 0;
  #chars = 0;

  constructor(limits: LineCacheLimits) {
    if (!(limits.points > 0) || !(limits.chars > 0)) throw new RangeError('the line cache needs room for at least one point and one character');
    this.#limits = limits;
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Characters of line protocol held now. */
  get chars(): number {
    return this.#chars;
  }

  /** Keeps a submission's lines, unless they alone are over a bound; evicts the oldest to make room. */
  add(id: number, lines: string, points: number): void {
    if (points > this.#limits.points || lines.length > this.#limits.chars) return;
    this.#entries.set(id, { lines, points });
    this.#points += points;
    this.#chars += lines.length;
    while (this.#points > this.#limits.points || this.#chars > this.#limits.chars) {
      this.delete(this.#entries.keys().next().value as number);
    }
  }

  get(id: number): string | undefined {
    return this.#entries.get(id)?.lines;
  }

  has(id: number): boolean {
    return this.#entries.has(id);
  }

  delete(id: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#points -= entry.points;
    this.#chars -= entry.lines.length;
  }
}

/**
 * Lines that stay in memory after their commit, so delivery need not read them back: a backlog
 * beyond this (the store is slow or down) is read from the journal's table instead. The
 * PostgreSQL journal's bound, where reading back is a round trip.
 */
export const LINE_CACHE_LIMITS: LineCacheLimits = { points: 50_000, chars: 8 * 1024 * 1024 };

/**
 * The SQLite journal's bound. Reading back from the local file is cheap, and lines kept until
 * delivery outlive V8's young generation: with 8 M characters, 200-point payloads at c=64 peaked
 * 15-20 MB higher (docs/performance.md, fifth round). 512 K characters still hold thousands of
 * one-point payloads, which are delivered within milliseconds.
 */
export const SQLITE_LINE_CACHE_LIMITS: LineCacheLimits = { points: 50_000, chars: 512 * 1024 };
