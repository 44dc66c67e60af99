// The line protocol of recently accepted submissions, kept in memory so delivery need not read it back.

/** A bounded map from submission id to its lines; the oldest entries leave first. */
export class LineCache {
  readonly #maxPoints: number;
  readonly #entries = new Map<number, { lines: string; points: number }>();
  #points = 0;

  constructor(maxPoints: number) {
    if (!(maxPoints > 0)) throw new RangeError('the line cache needs room for at least one point');
    this.#maxPoints = maxPoints;
  }

  /** Points held now. */
  get points(): number {
    return this.#points;
  }

  add(id: number, lines: string, points: number): void {
    this.#entries.set(id, { lines, points });
    this.#points += points;
    while (this.#points > this.#maxPoints && this.#entries.size > 1) {
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
  }
}
