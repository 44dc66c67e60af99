// The JWT signing key: configured, read from a file, or generated once and kept in the data dir (or, with QMB_JOURNAL_URL, in PostgreSQL).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { STARTUP_RUNBOOK, damagedFileError, dataFileError } from '../data-files.js';
import { ConfigError } from '../errors.js';
import type { PgPool } from '../pg/pool.js';
import { ensureSchema } from '../pg/schema.js';
import type { SecretSource } from './tokens.js';

const KNOWN_WEAK = new Set(['SECRET_KEY', 'secret', 'changeme', 'change-me', 'password']);
export const MIN_SECRET_BYTES = 32;

/** Returns why a secret is weak, or undefined. */
export function weakness(secret: string): string | undefined {
  if (KNOWN_WEAK.has(secret)) return 'it is a well-known placeholder';
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) return `it is shorter than ${MIN_SECRET_BYTES} bytes`;
  return undefined;
}

const GENERATED_FILE = 'secret.key';

/**
 * The key generated once into the data dir. It was random and long when written, so an empty or
 * weak one is a damaged file (unless an operator put an older broker's key there on purpose).
 */
function generatedSecret(config: Config): string {
  const file = path.join(config.dataDir, GENERATED_FILE);
  if (!existsSync(file)) {
    try {
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(file, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      throw dataFileError('secret', file, err, 'create');
    }
  }
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw dataFileError('secret', file, err, 'read');
  }
  const weak = secret === '' ? 'it is empty' : weakness(secret);
  if (weak && (secret === '' || !config.allowWeakSecret)) {
    const deliberate = secret === '' ? '' : ' (or, if an older broker\'s key was put there on purpose, set QMB_ALLOW_WEAK_SECRET=1)';
    throw damagedFileError('secret', file, `does not hold the random key the broker wrote there (${weak})${deliberate}`);
  }
  return secret;
}

/** Resolves the signing key once at start-up; refuses weak keys unless allowed. */
export function resolveSecret(config: Config): string {
  let secret: string;
  let variable = 'QMB_SECRET_KEY';
  if (config.secretKey !== undefined) {
    secret = config.secretKey;
  } else if (config.secretKeyFile !== undefined) {
    variable = 'QMB_SECRET_KEY_FILE';
    try {
      secret = readFileSync(config.secretKeyFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError(
        `QMB_SECRET_KEY_FILE: cannot read ${config.secretKeyFile}: ${(err as Error).message}; check the path and that the broker's user may read it (see ${STARTUP_RUNBOOK})`,
      );
    }
  } else {
    return generatedSecret(config);
  }
  const weak = weakness(secret);
  if (weak && !config.allowWeakSecret) {
    throw new ConfigError(`${variable}: the secret key is weak (${weak}); use a longer random key, or set QMB_ALLOW_WEAK_SECRET=1 to keep an older broker's key`);
  }
  return secret;
}

export const SETTINGS_DDL = `
CREATE TABLE IF NOT EXISTS qmb_settings (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;

/** The row of qmb_settings holding the generated key. */
export const SHARED_SECRET_NAME = 'jwt_secret';

/**
 * The key generated once into PostgreSQL, the same for every replica: each offers a random key and
 * the first insert wins (ON CONFLICT DO NOTHING), then all read the one stored. Weak only if an
 * operator put an older broker's key there (UPDATE qmb_settings ...), which needs QMB_ALLOW_WEAK_SECRET=1.
 */
export async function sharedSecret(pool: PgPool, allowWeakSecret: boolean): Promise<string> {
  await ensureSchema(pool, 'settings', SETTINGS_DDL);
  await pool.query('INSERT INTO qmb_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [SHARED_SECRET_NAME, randomBytes(48).toString('base64url')]);
  const res = await pool.query<{ value: string }>('SELECT value FROM qmb_settings WHERE name = $1', [SHARED_SECRET_NAME]);
  const secret = res.rows[0]?.value ?? '';
  const weak = secret === '' ? 'it is empty' : weakness(secret);
  if (weak && (secret === '' || !allowWeakSecret)) {
    throw new ConfigError(
      `QMB_JOURNAL_URL: the signing key in table qmb_settings (name ${SHARED_SECRET_NAME}) at ${pool.target.display} is weak (${weak}); delete that row to have a new one generated (every token issued so far stops working), or set QMB_ALLOW_WEAK_SECRET=1 to keep an older broker's key`,
    );
  }
  return secret;
}

/**
 * Where the signing key comes from: QMB_SECRET_KEY or QMB_SECRET_KEY_FILE when given (read now),
 * else the shared key in PostgreSQL when `pool` is given (fetched on first use), else the key file
 * generated into the data dir.
 */
export function secretSource(config: Config, pool: PgPool | undefined): SecretSource {
  if (pool && config.secretKey === undefined && config.secretKeyFile === undefined) return () => sharedSecret(pool, config.allowWeakSecret);
  return resolveSecret(config);
}
