// Users in PostgreSQL (QMB_JOURNAL_URL): one table every replica reads, kept in memory and read again every few seconds.
import { ConfigError, JournalUnavailableError } from '../errors.js';
import type { PgPool } from '../pg/pool.js';
import { ensureSchema } from '../pg/schema.js';
import { type User, type UserDirectory, metricMatcher } from './users.js';

export const USERS_DDL = `
CREATE TABLE IF NOT EXISTS qmb_users (
  id bigint PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name <> ''),
  password text NOT NULL CHECK (password LIKE 'scrypt$%'),
  metrics text[] NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`;

interface UserRow {
  id: string;
  name: string;
  password: string;
  metrics: string[];
}

export interface PgUsersOptions {
  /** How often the users are read again (default 2000 ms); 0: only on load() (the CLI). */
  refreshMs?: number;
  /** A refresh failed (the users read before stay in use). */
  onRefreshError?: (err: unknown) => void;
}

function toUser(r: UserRow): User {
  return { id: Number(r.id), name: r.name, password: r.password, metrics: r.metrics };
}

/**
 * The users table. Reads come from memory (filled by load(), then refreshed on a timer), so a
 * replica keeps answering logins from what it last read while PostgreSQL fails over; before the
 * first read, lookups answer JOURNAL_UNAVAILABLE rather than "no such user".
 */
export class PgUsersStore implements UserDirectory {
  readonly #pool: PgPool;
  readonly #refreshMs: number;
  readonly #onRefreshError: ((err: unknown) => void) | undefined;
  #users: User[] | undefined;
  #matchers = new Map<number, { metrics: string; match: (metric: string) => boolean }>();
  #timer: NodeJS.Timeout | undefined;
  #refreshing = false;

  constructor(pool: PgPool, options: PgUsersOptions = {}) {
    this.#pool = pool;
    this.#refreshMs = options.refreshMs ?? 2000;
    this.#onRefreshError = options.onRefreshError;
  }

  get location(): string {
    return this.#pool.target.display;
  }

  async load(): Promise<void> {
    await this.#read();
    if (this.#refreshMs > 0 && !this.#timer) {
      this.#timer = setInterval(() => void this.#refresh(), this.#refreshMs);
      this.#timer.unref();
    }
  }

  async #read(): Promise<void> {
    await ensureSchema(this.#pool, 'users', USERS_DDL);
    const res = await this.#pool.query<UserRow>('SELECT id::text AS id, name, password, metrics FROM qmb_users ORDER BY id');
    this.#users = res.rows.map(toUser);
  }

  async #refresh(): Promise<void> {
    if (this.#refreshing) return;
    this.#refreshing = true;
    try {
      await this.#read();
    } catch (err) {
      this.#onRefreshError?.(err);
    } finally {
      this.#refreshing = false;
    }
  }

  #current(): User[] {
    if (!this.#users) throw new JournalUnavailableError(this.#pool.where, 'the users have not been read from it yet');
    return this.#users;
  }

  list(): User[] {
    return [...this.#current()];
  }

  byId(id: number): User | undefined {
    return this.#current().find((u) => u.id === id);
  }

  byName(name: string): User | undefined {
    return this.#current().find((u) => u.name === name);
  }

  mayWrite(user: User, metric: string): boolean {
    // Keyed by id and the patterns: a refresh that changes a user's metrics takes effect.
    const metrics = user.metrics.join('\n');
    let entry = this.#matchers.get(user.id);
    if (!entry || entry.metrics !== metrics) {
      entry = { metrics, match: metricMatcher(user.metrics) };
      this.#matchers.set(user.id, entry);
    }
    return entry.match(metric);
  }

  async save(user: User): Promise<void> {
    await ensureSchema(this.#pool, 'users', USERS_DDL);
    try {
      await this.#pool.transaction(async (c) => {
        const clash = await c.query<{ name: string }>('SELECT name FROM qmb_users WHERE id = $1 AND name <> $2', [user.id, user.name]);
        const other = clash.rows[0];
        if (other) throw new ConfigError(`user id ${user.id} already belongs to ${other.name}`);
        await c.query(
          `INSERT INTO qmb_users (id, name, password, metrics) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET id = EXCLUDED.id, password = EXCLUDED.password, metrics = EXCLUDED.metrics, updated_at = now()`,
          [user.id, user.name, user.password, user.metrics],
        );
      });
    } catch (err) {
      // Another `qmb users add` took the id in between.
      if ((err as { code?: string }).code === '23505') throw new ConfigError(`user id ${user.id} already belongs to another user`);
      throw err;
    }
    await this.#read();
  }

  async remove(name: string): Promise<boolean> {
    await ensureSchema(this.#pool, 'users', USERS_DDL);
    const res = await this.#pool.query('DELETE FROM qmb_users WHERE name = $1', [name]);
    await this.#read();
    return (res.rowCount ?? 0) > 0;
  }

  async nextId(): Promise<number> {
    await ensureSchema(this.#pool, 'users', USERS_DDL);
    const res = await this.#pool.query<{ next: string }>('SELECT (coalesce(max(id), 0) + 1)::text AS next FROM qmb_users');
    return Number(res.rows[0]?.next ?? 1);
  }

  async addFirst(user: User): Promise<boolean> {
    await ensureSchema(this.#pool, 'users', USERS_DDL);
    // Two replicas starting on an empty table at once: the lock lets one add the user, the other sees it.
    const added = await this.#pool.transaction(async (c) => {
      await c.query('LOCK TABLE qmb_users IN SHARE ROW EXCLUSIVE MODE');
      const any = await c.query('SELECT 1 FROM qmb_users LIMIT 1');
      if ((any.rowCount ?? 0) > 0) return false;
      await c.query('INSERT INTO qmb_users (id, name, password, metrics) VALUES ($1, $2, $3, $4)', [user.id, user.name, user.password, user.metrics]);
      return true;
    });
    await this.#read();
    return added;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- stops the timer; the pool belongs to whoever made it
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
