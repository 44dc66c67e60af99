// All settings in one table, read from the environment (and an optional JSON file), validated once, frozen.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { durationSeconds } from './duration.js';
import { ConfigError } from './errors.js';
import { type InfluxRoute, influxBaseUrl, parseInfluxRoutes } from './influx/routes.js';
import { type PgTarget, parsePgUrl } from './pg/url.js';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly secretKey: string | undefined;
  readonly secretKeyFile: string | undefined;
  readonly allowWeakSecret: boolean;
  readonly usersFile: string;
  readonly influxUrl: string | undefined;
  readonly influxUsername: string | undefined;
  readonly influxPassword: string | undefined;
  readonly influxToken: string | undefined;
  /** Databases kept in another InfluxDB than influxUrl, first match wins; empty when unset. */
  readonly influxRoutes: readonly InfluxRoute[];
  /** InfluxDB Enterprise's write consistency (`consistency` of /write); unset: not sent. */
  readonly influxConsistency: InfluxConsistency | undefined;
  /** Token lifetime in seconds. */
  readonly tokenTtl: number;
  readonly maxBodyBytes: number;
  readonly metricsDir: string | undefined;
  /**
   * QMB_JOURNAL_URL: the shared journal in PostgreSQL (journal, users, generated secret, recorded
   * checks); unset: SQLite in the data dir. Its password is not enumerable (not printed with the object).
   */
  readonly journalUrl: PgTarget | undefined;
  /** Undelivered points above which new payloads get 503. */
  readonly journalMaxPoints: number;
  /** Seconds a delivered submission is kept in the journal. */
  readonly journalRetention: number;
  /** Points per write request to the sink. */
  readonly batchMaxPoints: number;
  /** Ingest requests read, parsed and journaled at once; more wait with their bodies unread. */
  readonly ingestConcurrency: number;
  /** Distinct values a tag may have per measurement and database (InfluxDB's max-values-per-tag); 0 = no limit. */
  readonly maxValuesPerTag: number;
  /** Login attempts per minute per client address. */
  readonly authRateLimit: number;
  /** Ingest requests per minute per user; 0 turns the limit off. */
  readonly rateLimit: number;
  /** Seconds a graceful shutdown may take to flush. */
  readonly shutdownTimeout: number;
  /** Free bytes the data dir's disk must keep; below it new payloads get 507 and /readyz 503. */
  readonly minFreeBytes: number;
  /** Seconds every write to the store may fail, with submissions waiting, before /readyz reports it. */
  readonly deliveryFailingAfter: number;
  readonly publicRead: boolean;
  readonly logLevel: string;
  /** PEM certificate (chain) file; with tlsKey, the broker serves HTTPS only. Absolute path. */
  readonly tlsCert: string | undefined;
  /** PEM private key file of tlsCert. Absolute path. */
  readonly tlsKey: string | undefined;
}

/** The write consistency levels of InfluxDB Enterprise clusters. */
export const INFLUX_CONSISTENCY = ['any', 'one', 'quorum', 'all'] as const;
export type InfluxConsistency = (typeof INFLUX_CONSISTENCY)[number];

type Parser = (raw: string, name: string) => unknown;

/** Parses `90`, `30s`, `15m`, `12h`, `365d`, `2w` into seconds. */
export function parseDuration(raw: string, name: string): number {
  const seconds = durationSeconds(raw);
  if (seconds === undefined) throw new ConfigError(`${name}: "${raw}" is not a duration (examples: 30s, 15m, 12h, 365d)`);
  if (!(seconds > 0)) throw new ConfigError(`${name}: must be longer than zero`);
  return seconds;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1 << 20,
  mb: 1 << 20,
  mib: 1 << 20,
  g: 1 << 30,
  gb: 1 << 30,
  gib: 1 << 30,
};

/** A size in bytes (`16777216`, `16MiB`, `512k`) of at least `min` bytes. */
function size(min: number): Parser {
  return (raw, name) => {
    const m = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim());
    const unit = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
    if (!m || unit === undefined) throw new ConfigError(`${name}: "${raw}" is not a size in bytes (examples: 16777216, 16MiB)`);
    const bytes = Number(m[1]) * unit;
    if (bytes < min) throw new ConfigError(`${name}: must be at least ${min} bytes`);
    return bytes;
  };
}

function integer(min: number, max: number): Parser {
  return (raw, name) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name}: "${raw}" is not a whole number`);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(`${name}: ${n} is out of range ${min}..${max}`);
    return n;
  };
}

function bool(raw: string, name: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new ConfigError(`${name}: "${raw}" is not a boolean (use 1 or 0)`);
}

const text: Parser = (raw) => raw;

/** A parser for one of a fixed set of words. */
function oneOf(values: readonly string[]): Parser {
  return (raw, name) => {
    if (!values.includes(raw)) throw new ConfigError(`${name}: "${raw}" is not one of ${values.join(', ')}`);
    return raw;
  };
}
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

interface Setting {
  key: keyof Config;
  parse: Parser;
  default?: string;
  /** One line for `qmb serve --help`: what the setting does (docs/configuration.md has the long form). */
  help: string;
}

/** The environment variables the broker reads, with their defaults (as the operator would write them). */
export const SETTINGS: Record<string, Setting> = {
  QMB_HOST: { key: 'host', parse: text, default: '127.0.0.1', help: 'address to listen on; 0.0.0.0 for every interface' },
  QMB_PORT: { key: 'port', parse: integer(0, 65535), default: '5000', help: 'port to listen on' },
  QMB_DATA_DIR: { key: 'dataDir', parse: text, default: './data', help: 'journal, embedded store, generated secret key, users file' },
  QMB_SECRET_KEY: { key: 'secretKey', parse: text, help: 'JWT signing key (HS256); with neither it nor QMB_SECRET_KEY_FILE, one is generated into the data dir (or PostgreSQL, with QMB_JOURNAL_URL)' },
  QMB_SECRET_KEY_FILE: { key: 'secretKeyFile', parse: text, help: 'file holding the JWT signing key, instead of QMB_SECRET_KEY' },
  QMB_ALLOW_WEAK_SECRET: { key: 'allowWeakSecret', parse: bool, default: '0', help: "1 accepts a short (< 32 bytes) or well-known key, such as an older broker's" },
  QMB_USERS_FILE: { key: 'usersFile', parse: text, help: 'users: id, name, password hash, metrics each may write (default: <data dir>/users.json)' },
  QMB_INFLUX_URL: { key: 'influxUrl', parse: influxBaseUrl, help: 'InfluxDB 1.x /write and /query API (also 2.x/3.x compatibility); unset: the embedded store' },
  QMB_INFLUX_USERNAME: { key: 'influxUsername', parse: text, help: 'InfluxDB user name' },
  QMB_INFLUX_PASSWORD: { key: 'influxPassword', parse: text, help: 'InfluxDB password' },
  QMB_INFLUX_TOKEN: { key: 'influxToken', parse: text, help: 'InfluxDB token (Authorization: Token ...), for 2.x/3.x compatibility endpoints' },
  QMB_INFLUX_ROUTES: {
    key: 'influxRoutes',
    parse: (raw, name) => Object.freeze(parseInfluxRoutes(raw, name)),
    help: 'DATABASE=URL,... : databases (globs such as TFA_*) kept in another InfluxDB than QMB_INFLUX_URL; first match wins',
  },
  QMB_INFLUX_CONSISTENCY: {
    key: 'influxConsistency',
    parse: oneOf(INFLUX_CONSISTENCY),
    help: 'InfluxDB Enterprise write consistency: any, one, quorum or all (sent as consistency= on /write); unset: not sent',
  },
  QMB_TOKEN_TTL: { key: 'tokenTtl', parse: parseDuration, default: '365d', help: 'lifetime of the tokens the broker issues: 30s, 15m, 12h, 365d, 2w' },
  QMB_MAX_BODY_BYTES: { key: 'maxBodyBytes', parse: size(1024), default: String(16 * 1024 * 1024), help: 'largest request body in bytes, or 16MiB, 512k; larger bodies get 413' },
  QMB_METRICS_DIR: { key: 'metricsDir', parse: text, help: 'folder of extra metric definitions (metric.json and schema-<version>.json per metric)' },
  QMB_JOURNAL_URL: {
    key: 'journalUrl',
    parse: (raw, name) => parsePgUrl(raw, name),
    help: 'postgres://USER:PASSWORD@HOST:PORT/DATABASE (or HOST1:PORT1,HOST2:PORT2: the writable one is used): journal, users, generated key and checks in PostgreSQL, shared by replicas; unset: SQLite in the data dir',
  },
  QMB_JOURNAL_MAX_POINTS: { key: 'journalMaxPoints', parse: integer(1, 1e12), default: '2000000', help: 'undelivered points the journal may hold before new payloads get 503' },
  QMB_JOURNAL_RETENTION: { key: 'journalRetention', parse: parseDuration, default: '7d', help: 'how long delivered submissions stay in the journal' },
  QMB_BATCH_MAX_POINTS: { key: 'batchMaxPoints', parse: integer(1, 1_000_000), default: '20000', help: 'points per write request to the database' },
  QMB_INGEST_CONCURRENCY: { key: 'ingestConcurrency', parse: integer(1, 10_000), default: '16', help: 'ingest requests read, parsed and journaled at once; more wait in order with their bodies unread (bounds memory under many senders)' },
  QMB_MAX_VALUES_PER_TAG: { key: 'maxValuesPerTag', parse: integer(0, 1e9), default: '100000', help: "distinct values a tag key may have per measurement (InfluxDB's max-values-per-tag; keep them equal); 0 turns the check off" },
  QMB_AUTH_RATE_LIMIT: { key: 'authRateLimit', parse: integer(1, 1_000_000), default: '10', help: 'login attempts per minute per client address on /auth' },
  QMB_RATE_LIMIT: { key: 'rateLimit', parse: integer(0, 1e9), default: '0', help: 'ingest requests per minute per user; 0 turns the limit off' },
  QMB_SHUTDOWN_TIMEOUT: { key: 'shutdownTimeout', parse: parseDuration, default: '10s', help: 'how long SIGTERM or SIGINT may spend delivering what is pending' },
  QMB_MIN_FREE_BYTES: { key: 'minFreeBytes', parse: size(0), default: '64MiB', help: 'free space the data dir must keep; below it new payloads get 507 STORAGE_FULL (0 turns the check off)' },
  QMB_DELIVERY_FAILING_AFTER: { key: 'deliveryFailingAfter', parse: parseDuration, default: '30s', help: 'how long every write to the store may fail, with submissions waiting, before /readyz says not ready' },
  QMB_PUBLIC_READ: { key: 'publicRead', parse: bool, default: '0', help: '1 lets anyone read the query API and the dashboard without a token' },
  QMB_LOG_LEVEL: {
    key: 'logLevel',
    parse: oneOf(logLevels),
    default: 'info',
    help: 'JSON log level: fatal, error, warn, info, debug, trace or silent',
  },
  QMB_TLS_CERT: { key: 'tlsCert', parse: text, help: 'PEM certificate (chain) file: serve HTTPS; needs QMB_TLS_KEY' },
  QMB_TLS_KEY: { key: 'tlsKey', parse: text, help: 'PEM private key file of QMB_TLS_CERT' },
};

/** The settings as `qmb serve --help` lists them: variable, what it does, default; one per line. */
export function settingsHelp(): string {
  const width = Math.max(...Object.keys(SETTINGS).map((n) => n.length)) + 2;
  const lines = Object.entries(SETTINGS).map(([name, s]) => `  ${name.padEnd(width)}${s.help}${s.default !== undefined ? ` (default: ${s.default})` : ''}`);
  return [
    'Settings (environment variables; a JSON file named by QMB_CONFIG_FILE may hold the same keys, the environment wins):',
    ...lines,
  ].join('\n');
}

/** Variables of the `qmb` client verbs; they share the prefix but are not broker settings. */
export const CLIENT_VARIABLES: ReadonlySet<string> = new Set(['QMB_URL', 'QMB_TOKEN', 'QMB_PASSWORD', 'QMB_CONFIG_FILE', 'QMB_PUBLIC_URL']);

function readConfigFile(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`QMB_CONFIG_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`QMB_CONFIG_FILE: ${file} must hold a JSON object of QMB_* keys`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!(k in SETTINGS)) throw new ConfigError(`QMB_CONFIG_FILE: unknown key "${k}" in ${file}`);
    out[k] = String(v);
  }
  return out;
}

/**
 * Builds the frozen configuration from environment variables, with an optional JSON file
 * (`QMB_CONFIG_FILE`) underneath; the environment wins. Throws ConfigError naming the bad setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<string, string>> = {}): Config {
  for (const name of Object.keys(env)) {
    if (name.startsWith('QMB_') && !(name in SETTINGS) && !CLIENT_VARIABLES.has(name)) {
      throw new ConfigError(`${name}: unknown setting (known: ${Object.keys(SETTINGS).join(', ')})`);
    }
  }
  const fromFile = env['QMB_CONFIG_FILE'] ? readConfigFile(env['QMB_CONFIG_FILE']) : {};
  const values: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const raw = overrides[name] ?? env[name] ?? fromFile[name] ?? setting.default;
    values[setting.key] = raw === undefined || (raw === '' && setting.default === undefined) ? undefined : setting.parse(raw, name);
  }
  const dataDir = path.resolve(String(values['dataDir']));
  values['dataDir'] = dataDir;
  values['usersFile'] = path.resolve(dataDir, (values['usersFile'] as string | undefined) ?? 'users.json');
  if (values['metricsDir']) values['metricsDir'] = path.resolve(values['metricsDir'] as string);
  if (values['secretKey'] !== undefined && values['secretKeyFile'] !== undefined) {
    throw new ConfigError('QMB_SECRET_KEY: set either QMB_SECRET_KEY or QMB_SECRET_KEY_FILE, not both');
  }
  // Half a TLS setting would silently serve plain HTTP: refuse it.
  if ((values['tlsCert'] === undefined) !== (values['tlsKey'] === undefined)) {
    const [missing, given] = values['tlsCert'] === undefined ? ['QMB_TLS_CERT', 'QMB_TLS_KEY'] : ['QMB_TLS_KEY', 'QMB_TLS_CERT'];
    throw new ConfigError(`${missing}: ${given} is set; set both QMB_TLS_CERT and QMB_TLS_KEY (PEM files) for HTTPS, or neither`);
  }
  values['influxRoutes'] ??= Object.freeze([]);
  // A database no route names needs a home: the default InfluxDB.
  if ((values['influxRoutes'] as InfluxRoute[]).length > 0 && values['influxUrl'] === undefined) {
    throw new ConfigError('QMB_INFLUX_ROUTES: needs QMB_INFLUX_URL, the InfluxDB of every database no route names');
  }
  for (const key of ['tlsCert', 'tlsKey']) if (values[key] !== undefined) values[key] = path.resolve(values[key] as string);
  return Object.freeze(values as unknown as Config);
}
