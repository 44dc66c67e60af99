// Users and the signing key from the configuration: the users file and data-dir key, or PostgreSQL with QMB_JOURNAL_URL.
import type { Config } from '../config.js';
import type { PgPool } from '../pg/pool.js';
import { type PgUsersOptions, PgUsersStore } from './pg-users.js';
import { secretSource } from './secret.js';
import { TokenService } from './tokens.js';
import { type UserDirectory, UsersStore } from './users.js';

/** The users table in PostgreSQL when `pool` is given (QMB_JOURNAL_URL), else the users file. */
export function createUsers(config: Config, pool: PgPool | undefined, options: PgUsersOptions = {}): UserDirectory {
  return pool ? new PgUsersStore(pool, options) : new UsersStore(config.usersFile);
}

/** Tokens signed with QMB_SECRET_KEY(_FILE), else the key shared in PostgreSQL (`pool`), else the one generated into the data dir. */
export function createTokens(config: Config, pool: PgPool | undefined): TokenService {
  return new TokenService(secretSource(config, pool), config.tokenTtl);
}
