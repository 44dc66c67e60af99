// Recorded checks: one small interface (SQLite here; PostgreSQL can implement it later).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CheckResult, CheckSummary, Verdict } from './result.js';

export interface CheckListQuery {
  /** Checks whose head carries this revision. */
  revision?: string | undefined;
  verdict?: Verdict | undefined;
  /** Newest first, at most this many (default 50, at most 1000). */
  limit?: number | undefined;
}

export const CHECK_LIST_DEFAULTS = { limit: 50, maxLimit: 1000 } as const;

export interface CheckStore {
  /** Records a result; returns it with its new id. */
  save(result: CheckResult): Promise<CheckResult & { id: number }>;
  get(id: number): Promise<(CheckResult & { id: number }) | undefined>;
  /** Summaries (no rows), newest first. */
  list(query?: CheckListQuery): Promise<CheckSummary[]>;
  close(): Promise<void>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS checks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at TEXT NOT NULL,
  verdict TEXT NOT NULL,
  summary TEXT NOT NULL,          -- JSON: the answer without id and rows
  rows TEXT NOT NULL              -- JSON array of rows
);
CREATE INDEX IF NOT EXISTS checks_verdict ON checks (verdict, id);
CREATE TABLE IF NOT EXISTS check_revisions (
  revision TEXT NOT NULL,
  check_id INTEGER NOT NULL REFERENCES checks (id),
  PRIMARY KEY (revision, check_id)
) WITHOUT ROWID;
`;

/** Checks kept in `checks.sqlite` in the data dir (its own file: the journal's lock is never held by a check). */
export class SqliteCheckStore implements CheckStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #insertRevision: Database.Statement;
  readonly #get: Database.Statement;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, 'checks.sqlite');
    this.#db = new Database(this.file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
    this.#insert = this.#db.prepare('INSERT INTO checks (created_at, verdict, summary, rows) VALUES (?, ?, ?, ?) RETURNING id');
    this.#insertRevision = this.#db.prepare('INSERT OR IGNORE INTO check_revisions (revision, check_id) VALUES (?, ?)');
    this.#get = this.#db.prepare('SELECT id, summary, rows FROM checks WHERE id = ?');
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async save(result: CheckResult): Promise<CheckResult & { id: number }> {
    const { id: _ignored, rows, ...summary } = result;
    const id = this.#db.transaction(() => {
      const { id: newId } = this.#insert.get(result.created_at, result.verdict, JSON.stringify(summary), JSON.stringify(rows)) as { id: number };
      for (const rev of result.head.revisions) this.#insertRevision.run(rev, newId);
      return newId;
    })();
    return { ...result, id };
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async get(id: number): Promise<(CheckResult & { id: number }) | undefined> {
    const r = this.#get.get(id) as { id: number; summary: string; rows: string } | undefined;
    if (!r) return undefined;
    const summary = JSON.parse(r.summary) as Omit<CheckResult, 'id' | 'rows'>;
    return { id: r.id, ...summary, rows: JSON.parse(r.rows) as CheckResult['rows'] };
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async list(query: CheckListQuery = {}): Promise<CheckSummary[]> {
    const limit = Math.min(Math.max(1, query.limit ?? CHECK_LIST_DEFAULTS.limit), CHECK_LIST_DEFAULTS.maxLimit);
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.revision !== undefined) {
      where.push('id IN (SELECT check_id FROM check_revisions WHERE revision = ?)');
      params.push(query.revision);
    }
    if (query.verdict !== undefined) {
      where.push('verdict = ?');
      params.push(query.verdict);
    }
    const sql = `SELECT id, summary FROM checks${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.#db.prepare(sql).all(...params, limit) as { id: number; summary: string }[];
    return rows.map((r) => ({ id: r.id, ...(JSON.parse(r.summary) as Omit<CheckSummary, 'id'>) }));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async close(): Promise<void> {
    this.#db.close();
  }
}
