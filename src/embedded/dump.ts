// Every point of an embedded store file, opened read-only, with its stored types: what `qmb export` copies.
import Database from 'better-sqlite3';
import type { Point } from '../ingest/points.js';
import { fieldsOf, tagsOf } from './schema.js';

/** One series and its points in time order, read as they are iterated. */
export interface StoredSeries {
  measurement: string;
  points: Iterable<Point>;
}

/** A store file opened read-only; close() when done. Throws when the file does not exist. */
export class StoreDump {
  readonly #db: Database.Database;
  readonly #series: Database.Statement;
  readonly #points: Database.Statement;

  constructor(file: string) {
    this.#db = new Database(file, { readonly: true, fileMustExist: true });
    this.#series = this.#db.prepare('SELECT id, measurement, tags FROM series WHERE db = ? ORDER BY id');
    this.#points = this.#db.prepare('SELECT time, fields FROM points WHERE series_id = ? ORDER BY time').safeIntegers(true);
  }

  /** Database names, sorted. */
  databases(): string[] {
    return (this.#db.prepare('SELECT name FROM databases ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  }

  /** The series of a database in creation order; a point whose fields are all gone is left out. */
  *series(database: string): Generator<StoredSeries> {
    for (const s of this.#series.all(database) as { id: number; measurement: string; tags: string }[]) {
      yield { measurement: s.measurement, points: this.#pointsOf(s.id, s.measurement, tagsOf(s.tags)) };
    }
  }

  *#pointsOf(seriesId: number, measurement: string, tags: [string, string][]): Generator<Point> {
    for (const p of this.#points.iterate(seriesId) as Iterable<{ time: bigint; fields: string }>) {
      const fields = fieldsOf(p.fields);
      if (fields.length > 0) yield { measurement, tags, fields, time: p.time };
    }
  }

  close(): void {
    this.#db.close();
  }
}
