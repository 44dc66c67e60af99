// All settings in one table, read from the environment (and an optional JSON file), validated once, frozen.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.js';

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
  /** Token lifetime in seconds. */
  readonly tokenTtl: number;
  readonly maxBodyBytes: number;
  readonly metricsDir: string | undefined;
  /** Undelivered points above which new payloads get 503. */
  readonly journalMaxPoints: number;
  /** Seconds a delivered submission is kept in the journal. */
  readonly journalRetention: number;
  /** Points per write request to the sink. */
  readonly batchMaxPoints: number;
  /** Distinct values a tag may have per measurement and database (InfluxDB's max-values-per-tag); 0 = no limit. */
  readonly maxValuesPerTag: number;
  /** Login attempts per minute per client address. */
  readonly authRateLimit: number;
  /** Ingest requests per minute per user; 0 turns the limit off. */
  readonly rateLimit: number;
  /** Seconds a graceful shutdown may take to flush. */
  readonly shutdownTimeout: number;
  readonly publicRead: boolean;
  readonly logLevel: string;
}

type Parser = (raw: string, name: string) => unknown;

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Parses `90`, `30s`, `15m`, `12h`, `365d`, `2w` into seconds. */
export function parseDuration(raw: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/.exec(raw.trim());
  if (!m) throw new ConfigError(`${name}: "${raw}" is not a duration (examples: 30s, 15m, 12h, 365d)`);
  const seconds = Number(m[1]) * (DURATION_UNITS[m[2] || 's'] ?? 1);
  if (!(seconds > 0)) throw new ConfigError(`${name}: must be longer than zero`);
  return seconds;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1 << 20, mb: 1 << 20, mib: 1 << 20 };

function parseSize(raw: string, name: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim());
  const unit = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new ConfigError(`${name}: "${raw}" is not a size in bytes (examples: 16777216, 16MiB)`);
  const bytes = Number(m[1]) * unit;
  if (bytes < 1024) throw new ConfigError(`${name}: must be at least 1024 bytes`);
  return bytes;
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

function url(raw: string, name: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name}: "${raw}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${name}: must be an http or https URL`);
  return raw.replace(/\/+$/, '');
}

const text: Parser = (raw) => raw;
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

interface Setting {
  key: keyof Config;
  parse: Parser;
  default?: string;
}

/** The environment variables the broker reads, with their defaults (as the operator would write them). */
export const SETTINGS: Record<string, Setting> = {
  QMB_HOST: { key: 'host', parse: text, default: '127.0.0.1' },
  QMB_PORT: { key: 'port', parse: integer(0, 65535), default: '5000' },
  QMB_DATA_DIR: { key: 'dataDir', parse: text, default: './data' },
  QMB_SECRET_KEY: { key: 'secretKey', parse: text },
  QMB_SECRET_KEY_FILE: { key: 'secretKeyFile', parse: text },
  QMB_ALLOW_WEAK_SECRET: { key: 'allowWeakSecret', parse: bool, default: '0' },
  QMB_USERS_FILE: { key: 'usersFile', parse: text },
  QMB_INFLUX_URL: { key: 'influxUrl', parse: url },
  QMB_INFLUX_USERNAME: { key: 'influxUsername', parse: text },
  QMB_INFLUX_PASSWORD: { key: 'influxPassword', parse: text },
  QMB_INFLUX_TOKEN: { key: 'influxToken', parse: text },
  QMB_TOKEN_TTL: { key: 'tokenTtl', parse: parseDuration, default: '365d' },
  QMB_MAX_BODY_BYTES: { key: 'maxBodyBytes', parse: parseSize, default: String(16 * 1024 * 1024) },
  QMB_METRICS_DIR: { key: 'metricsDir', parse: text },
  QMB_JOURNAL_MAX_POINTS: { key: 'journalMaxPoints', parse: integer(1, 1e12), default: '2000000' },
  QMB_JOURNAL_RETENTION: { key: 'journalRetention', parse: parseDuration, default: '7d' },
  QMB_BATCH_MAX_POINTS: { key: 'batchMaxPoints', parse: integer(1, 1_000_000), default: '5000' },
  QMB_MAX_VALUES_PER_TAG: { key: 'maxValuesPerTag', parse: integer(0, 1e9), default: '100000' },
  QMB_AUTH_RATE_LIMIT: { key: 'authRateLimit', parse: integer(1, 1_000_000), default: '10' },
  QMB_RATE_LIMIT: { key: 'rateLimit', parse: integer(0, 1e9), default: '0' },
  QMB_SHUTDOWN_TIMEOUT: { key: 'shutdownTimeout', parse: parseDuration, default: '10s' },
  QMB_PUBLIC_READ: { key: 'publicRead', parse: bool, default: '0' },
  QMB_LOG_LEVEL: {
    key: 'logLevel',
    parse: (raw, name) => {
      if (!logLevels.includes(raw)) throw new ConfigError(`${name}: must be one of ${logLevels.join(', ')}`);
      return raw;
    },
    default: 'info',
  },
};

/** Variables of the `qmb` client verbs; they share the prefix but are not broker settings. */
const CLIENT_VARIABLES = new Set(['QMB_URL', 'QMB_TOKEN', 'QMB_PASSWORD', 'QMB_CONFIG_FILE']);

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
  if (values['metricsDir']) values['metricsDir'] = path.resolve(String(values['metricsDir']));
  if (values['secretKey'] !== undefined && values['secretKeyFile'] !== undefined) {
    throw new ConfigError('QMB_SECRET_KEY: set either QMB_SECRET_KEY or QMB_SECRET_KEY_FILE, not both');
  }
  return Object.freeze(values as unknown as Config);
}
