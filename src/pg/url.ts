// QMB_JOURNAL_URL: postgres://USER:PASS@HOST:PORT[,HOST:PORT...]/DB[?sslmode=...], parsed and checked once.
import { ConfigError } from '../errors.js';

export interface PgHost {
  readonly host: string;
  readonly port: number;
}

/** TLS to the server: none, encrypted without checking the certificate, or checked against the system CAs and the host name. */
export const PG_SSL_MODES = ['disable', 'require', 'verify-full'] as const;
export type PgSslMode = (typeof PG_SSL_MODES)[number];

/** Where the shared journal lives. `password` is not enumerable, so logging or printing the object does not show it. */
export interface PgTarget {
  /** In the order given; with more than one, connections go to the first that accepts writes. */
  readonly hosts: readonly PgHost[];
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
  readonly sslMode: PgSslMode;
  readonly applicationName: string | undefined;
  /** The URL without its password, for logs, messages and /readyz. */
  readonly display: string;
  /** `display`. */
  toString(): string;
}

const DEFAULT_PORT = 5432;

function decode(part: string, what: string, name: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(`${name}: the ${what} has a bad %-escape`);
  }
}

/** `h1`, `h1:5432`, `[::1]:5433` */
function parseHost(raw: string, name: string): PgHost {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d*))?$/.exec(raw);
  if (!m) throw new ConfigError(`${name}: "${raw}" is not a host or host:port`);
  const host = (m[1] ?? m[2] ?? '').trim();
  if (host === '') throw new ConfigError(`${name}: a host name is empty`);
  if (m[3] === undefined || m[3] === '') return { host, port: DEFAULT_PORT };
  const port = Number(m[3]);
  if (!(port >= 1 && port <= 65535)) throw new ConfigError(`${name}: port ${m[3]} of ${host} is out of range 1..65535`);
  return { host, port };
}

export function hostLabel(h: PgHost): string {
  return `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;
}

/**
 * Parses the journal URL. Refuses (ConfigError naming `name`) anything it would have to guess
 * about: another scheme, no user, no database, an unknown parameter. Never quotes the password.
 */
export function parsePgUrl(raw: string, name = 'QMB_JOURNAL_URL'): PgTarget {
  const s = raw.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  if (!scheme || !['postgres', 'postgresql'].includes((scheme[1] ?? '').toLowerCase())) {
    throw new ConfigError(`${name}: must start with postgres:// (postgres://USER:PASSWORD@HOST:PORT/DATABASE)`);
  }
  const rest = s.slice(scheme[0].length);
  const qAt = rest.indexOf('?');
  const beforeQuery = qAt === -1 ? rest : rest.slice(0, qAt);
  const query = qAt === -1 ? '' : rest.slice(qAt + 1);
  // The user info ends at the last '@' (a password may hold '/' or '@' unescaped); the host list at the next '/'.
  const at = beforeQuery.lastIndexOf('@');
  const userInfo = at === -1 ? undefined : beforeQuery.slice(0, at);
  const afterUser = at === -1 ? beforeQuery : beforeQuery.slice(at + 1);
  const slash = afterUser.indexOf('/');
  const hostPart = slash === -1 ? afterUser : afterUser.slice(0, slash);
  const dbPart = slash === -1 ? '' : afterUser.slice(slash + 1);

  if (userInfo === undefined || userInfo === '') throw new ConfigError(`${name}: names no user (postgres://USER:PASSWORD@HOST:PORT/DATABASE)`);
  const colon = userInfo.indexOf(':');
  const user = decode(colon === -1 ? userInfo : userInfo.slice(0, colon), 'user name', name);
  if (user === '') throw new ConfigError(`${name}: names no user (postgres://USER:PASSWORD@HOST:PORT/DATABASE)`);
  const password = colon === -1 ? undefined : decode(userInfo.slice(colon + 1), 'password', name);

  if (hostPart === '') throw new ConfigError(`${name}: names no host (postgres://USER:PASSWORD@HOST:PORT/DATABASE)`);
  const hosts = hostPart.split(',').map((h) => parseHost(h.trim(), name));

  const database = decode(dbPart, 'database name', name);
  if (database === '') throw new ConfigError(`${name}: names no database (postgres://USER:PASSWORD@HOST:PORT/DATABASE)`);
  if (database.includes('/')) throw new ConfigError(`${name}: the database name "${database}" holds a "/"`);

  let sslMode: PgSslMode = 'disable';
  let applicationName: string | undefined;
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === 'sslmode') {
      if (!(PG_SSL_MODES as readonly string[]).includes(value)) throw new ConfigError(`${name}: sslmode "${value}" is not one of ${PG_SSL_MODES.join(', ')}`);
      sslMode = value as PgSslMode;
    } else if (key === 'application_name') {
      applicationName = value;
    } else {
      throw new ConfigError(`${name}: unknown parameter "${key}" (known: sslmode, application_name)`);
    }
  }

  const params = [sslMode !== 'disable' ? `sslmode=${sslMode}` : '', applicationName !== undefined ? `application_name=${encodeURIComponent(applicationName)}` : '']
    .filter(Boolean)
    .join('&');
  const display = `postgres://${encodeURIComponent(user)}@${hosts.map(hostLabel).join(',')}/${encodeURIComponent(database)}${params ? `?${params}` : ''}`;
  const target = { hosts: Object.freeze(hosts.map((h) => Object.freeze(h))), user, database, sslMode, applicationName, display } as Omit<PgTarget, 'password'>;
  Object.defineProperty(target, 'password', { value: password, enumerable: false });
  Object.defineProperty(target, 'toString', { value: () => display, enumerable: false });
  return Object.freeze(target as PgTarget);
}
