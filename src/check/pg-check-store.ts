// Recorded checks in PostgreSQL (QMB_JOURNAL_URL): every replica lists and reads the checks any of them recorded.
import type { PgPool } from '../pg/pool.js';
import { ensureSchema } from '../pg/schema.js';
import { CHECK_LIST_DEFAULTS, type CheckListQuery, type CheckStore } from './check-store.js';
import type { CheckResult, CheckSummary } from './result.js';

// The JSON is kept as text, as in SQLite, so both stores answer byte for byte the same (jsonb would reorder keys).
export const CHECKS_DDL = `
CREATE TABLE IF NOT EXISTS qmb_checks (
  id bigserial PRIMARY KEY,
  created_at text NOT NULL,
  verdict text NOT NULL,
  summary text NOT NULL,
  rows text NOT NULL
);
CREATE INDEX IF NOT EXISTS qmb_checks_verdict ON qmb_checks (verdict, id);
CREATE TABLE IF NOT EXISTS qmb_check_revisions (
  revision text NOT NULL,
  check_id bigint NOT NULL REFERENCES qmb_checks (id),
  PRIMARY KEY (revision, check_id)
);
`;

export class PgCheckStore implements CheckStore {
  readonly #pool: PgPool;

  constructor(pool: PgPool) {
    this.#pool = pool;
  }

  /** Where the checks are, without the password. */
  get location(): string {
    return this.#pool.target.display;
  }

  #schema(): Promise<void> {
    return ensureSchema(this.#pool, 'checks', CHECKS_DDL);
  }

  async save(result: CheckResult): Promise<CheckResult & { id: number }> {
    await this.#schema();
    const { id: _ignored, rows, ...summary } = result;
    const id = await this.#pool.transaction(async (c) => {
      const res = await c.query<{ id: string }>('INSERT INTO qmb_checks (created_at, verdict, summary, rows) VALUES ($1, $2, $3, $4) RETURNING id::text AS id', [
        result.created_at,
        result.verdict,
        JSON.stringify(summary),
        JSON.stringify(rows),
      ]);
      const newId = Number(res.rows[0]?.id);
      const revisions = [...new Set(result.head.revisions)];
      if (revisions.length > 0) {
        await c.query('INSERT INTO qmb_check_revisions (revision, check_id) SELECT r, $2 FROM unnest($1::text[]) AS r ON CONFLICT DO NOTHING', [revisions, newId]);
      }
      return newId;
    });
    return { ...result, id };
  }

  async get(id: number): Promise<(CheckResult & { id: number }) | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    await this.#schema();
    const res = await this.#pool.query<{ id: string; summary: string; rows: string }>('SELECT id::text AS id, summary, rows FROM qmb_checks WHERE id = $1', [id]);
    const r = res.rows[0];
    if (!r) return undefined;
    const summary = JSON.parse(r.summary) as Omit<CheckResult, 'id' | 'rows'>;
    return { id: Number(r.id), ...summary, rows: JSON.parse(r.rows) as CheckResult['rows'] };
  }

  async list(query: CheckListQuery = {}): Promise<CheckSummary[]> {
    await this.#schema();
    const limit = Math.min(Math.max(1, query.limit ?? CHECK_LIST_DEFAULTS.limit), CHECK_LIST_DEFAULTS.maxLimit);
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.revision !== undefined) {
      params.push(query.revision);
      where.push(`id IN (SELECT check_id FROM qmb_check_revisions WHERE revision = $${params.length})`);
    }
    if (query.verdict !== undefined) {
      params.push(query.verdict);
      where.push(`verdict = $${params.length}`);
    }
    params.push(limit);
    const sql = `SELECT id::text AS id, summary FROM qmb_checks${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
    const res = await this.#pool.query<{ id: string; summary: string }>(sql, params);
    return res.rows.map((r) => ({ id: Number(r.id), ...(JSON.parse(r.summary) as Omit<CheckSummary, 'id'>) }));
  }

  /** Nothing of its own to close: the pool belongs to whoever made it. */
  async close(): Promise<void> {}
}
