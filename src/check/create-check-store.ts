// Where recorded checks live: checks.sqlite in the data dir, or PostgreSQL with QMB_JOURNAL_URL.
import type { Config } from '../config.js';
import type { PgPool } from '../pg/pool.js';
import { type CheckStore, SqliteCheckStore } from './check-store.js';
import { PgCheckStore } from './pg-check-store.js';

export function createCheckStore(config: Config, pool: PgPool | undefined): CheckStore {
  return pool ? new PgCheckStore(pool) : new SqliteCheckStore(config.dataDir);
}
