// Tables the broker keeps in PostgreSQL, created on first use; replicas starting together take turns.
import type { PgPool } from './pool.js';

/** Key of the advisory lock schema changes hold, so two replicas never run the same CREATE at once. */
const SCHEMA_LOCK = 0x716d6200; // "qmb\0"

const done = new WeakMap<PgPool, Map<string, Promise<void>>>();

/**
 * Runs `ddl` (idempotent statements: CREATE TABLE IF NOT EXISTS ...) once per pool and `name`,
 * in one transaction under a transaction-level advisory lock: concurrent CREATE TABLE IF NOT
 * EXISTS of the same table can otherwise fail on the catalog's unique index. A failure (the
 * server away) is tried again on the next call.
 */
export function ensureSchema(pool: PgPool, name: string, ddl: string): Promise<void> {
  let byName = done.get(pool);
  if (!byName) {
    byName = new Map();
    done.set(pool, byName);
  }
  const known = byName.get(name);
  if (known) return known;
  const made = pool
    .transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(ddl);
    })
    .catch((err: unknown) => {
      byName.delete(name);
      throw err;
    });
  byName.set(name, made);
  return made;
}
