// The JWT signing key: configured, read from a file, or generated once and kept in the data dir.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { STARTUP_RUNBOOK, damagedFileError, dataFileError } from '../data-files.js';
import { ConfigError } from '../errors.js';

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
