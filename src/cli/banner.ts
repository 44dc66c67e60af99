// What `qmb serve` prints once it listens: where it is, the first password, and commands that match this broker.
import path from 'node:path';
import type { Config } from '../config.js';

const DEFAULT_TOKEN_TTL = 365 * 86400;

/** Quotes a word for a POSIX shell when it needs it. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The variables a `qmb` verb needs to find this broker's users and signing key, as shell
 * assignments. Without them, `qmb token` run from another directory reads `./data` and signs with
 * another key, which the broker refuses.
 */
export function cliAssignments(config: Config): { assignments: string[]; note: string | undefined } {
  const assignments = [`QMB_DATA_DIR=${shellWord(config.dataDir)}`];
  if (config.usersFile !== path.resolve(config.dataDir, 'users.json')) assignments.push(`QMB_USERS_FILE=${shellWord(config.usersFile)}`);
  if (config.secretKeyFile !== undefined) assignments.push(`QMB_SECRET_KEY_FILE=${shellWord(path.resolve(config.secretKeyFile))}`);
  if (config.allowWeakSecret) assignments.push('QMB_ALLOW_WEAK_SECRET=1');
  if (config.tokenTtl !== DEFAULT_TOKEN_TTL) assignments.push(`QMB_TOKEN_TTL=${config.tokenTtl}s`);
  // The key and the journal URL's password are never printed: they would end up in logs.
  const needed = [config.secretKey !== undefined ? 'QMB_SECRET_KEY' : '', config.journalUrl ? 'QMB_JOURNAL_URL' : ''].filter(Boolean);
  const note = needed.length > 0 ? `  (with the broker's ${needed.join(' and ')} in the environment)` : undefined;
  return { assignments, note };
}

export interface BannerOptions {
  /** The URL the server listens on. */
  url: string;
  /** The first user's password, on the start that created it. */
  password: string | undefined;
  /** What the journal said on opening (a fresh journal after --new-journal, say). */
  notice?: string | undefined;
}

/** The lines `qmb serve` prints on stderr once it listens. */
export function startBanner(config: Config, options: BannerOptions): string[] {
  const base = options.url.replace('0.0.0.0', '127.0.0.1');
  const routes = config.influxRoutes.map((r) => `${r.pattern} at ${r.url}`).join(', ');
  const store = config.influxUrl ? `InfluxDB at ${config.influxUrl}${routes ? ` (${routes})` : ''}` : `the embedded store in ${config.dataDir}`;
  const { assignments, note } = cliAssignments(config);
  const qmb = `${assignments.join(' ')} npx qmb`;
  const lines = [`Quality Metrics Broker listening on ${base}, writing to ${store}`];
  if (options.notice) lines.push(options.notice);
  if (options.password) {
    lines.push(
      `Created the first user "admin" with password ${options.password}`,
      `  (shown once; stored hashed in ${config.journalUrl ? `PostgreSQL at ${config.journalUrl.display}` : config.usersFile}; add more with: ${qmb} users add NAME --password-stdin)`,
    );
  }
  lines.push(
    'Get a token:',
    `  curl -s -X POST ${base}/auth -H 'Content-Type: application/json' -d '{"username": "admin", "password": "..."}'`,
    `  or: ${qmb} token admin`,
  );
  if (note) lines.push(note);
  lines.push(`Dashboard: ${base}/dashboard`);
  return lines;
}
