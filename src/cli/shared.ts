// The users and the signing key of the operator verbs (qmb users, qmb token): the files of the data dir, or PostgreSQL.
// Kept apart from context.ts, which the single-file CLI bundles: this one loads the PostgreSQL client.
import type { Config } from '../config.js';
import { createTokens, createUsers } from '../auth/create-users.js';
import type { TokenService } from '../auth/tokens.js';
import type { UserDirectory } from '../auth/users.js';
import { type PgPool, createPgPool } from '../pg/pool.js';
import { cliConfig } from './context.js';

export interface CliShared {
  config: Config;
  /** Read already: the users file, or the users table with QMB_JOURNAL_URL. */
  users: UserDirectory;
  /** Signs with the broker's key (made on first call: only `qmb token` needs one). */
  readonly tokens: () => TokenService;
  /** With QMB_JOURNAL_URL: connections to the shared journal, closed when the verb is done. */
  pool: PgPool | undefined;
}

/** Runs a verb with the users (and the key) the broker of this configuration uses, then closes the connections. */
export async function withShared<T>(fn: (shared: CliShared) => Promise<T> | T, config: Config = cliConfig()): Promise<T> {
  const pool = config.journalUrl ? createPgPool(config.journalUrl, { max: 2, applicationName: 'qmb-cli' }) : undefined;
  const users = createUsers(config, pool, { refreshMs: 0 });
  let tokens: TokenService | undefined;
  try {
    await users.load();
    return await fn({ config, users, tokens: () => (tokens ??= createTokens(config, pool)), pool });
  } finally {
    await users.close();
    await pool?.end();
  }
}
