// QMB_INFLUX_ROUTES: which InfluxDB holds which database, for one InfluxDB per metric family.
import picomatch from 'picomatch';
import { ConfigError } from '../errors.js';

/** One entry of the routing table: databases matching `pattern` live at `url`. */
export interface InfluxRoute {
  /** A database name or a glob (`TFA_*`, `{TFA,TFM}_ImageSize`); case-sensitive, as InfluxDB's names are. */
  readonly pattern: string;
  /** InfluxDB base URL, without a trailing slash. */
  readonly url: string;
}

/**
 * An InfluxDB base URL (http or https), without a trailing slash; throws ConfigError starting with
 * `label` (the setting, or the setting and its entry).
 */
export function influxBaseUrl(raw: string, label: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${label}: "${raw}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${label}: must be an http or https URL`);
  return raw.replace(/\/+$/, '');
}

/** Splits at commas and white space outside braces, so `{TFA,TFM}_Defects=...` stays one entry. */
function entries(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of raw) {
    if (depth === 0 && (ch === ',' || /\s/.test(ch))) {
      if (current !== '') out.push(current);
      current = '';
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}' && depth > 0) depth--;
    current += ch;
  }
  if (current !== '') out.push(current);
  return out;
}

/**
 * Parses `PATTERN=URL` entries separated by commas, spaces or new lines (an env var or a JSON file
 * value; commas inside a glob's braces belong to the glob), e.g. `TFA_*=http://influx-tfa:8086,TFM_*=http://influx-tfm:8086`. Throws ConfigError
 * naming the bad entry.
 */
export function parseInfluxRoutes(raw: string, name: string): InfluxRoute[] {
  const routes: InfluxRoute[] = [];
  for (const entry of entries(raw)) {
    const eq = entry.indexOf('=');
    if (eq < 0) throw new ConfigError(`${name}: entry "${entry}" is not DATABASE=URL (example: TFA_*=http://influx-tfa:8086)`);
    const pattern = entry.slice(0, eq);
    if (pattern === '') throw new ConfigError(`${name}: entry "${entry}" names no database before "="`);
    if (routes.some((r) => r.pattern === pattern)) throw new ConfigError(`${name}: entry "${entry}": ${pattern} is routed twice`);
    routes.push({ pattern, url: influxBaseUrl(entry.slice(eq + 1), `${name}: entry "${entry}"`) });
  }
  if (routes.length === 0) throw new ConfigError(`${name}: no DATABASE=URL entry`);
  return routes;
}

/** Picks a database's InfluxDB: the first route whose pattern matches, else the default URL. */
export class InfluxTargets {
  readonly defaultUrl: string;
  readonly routes: readonly InfluxRoute[];
  readonly #matchers: { match: (db: string) => boolean; url: string }[];
  readonly #cache = new Map<string, string>();

  constructor(defaultUrl: string, routes: readonly InfluxRoute[] = []) {
    this.defaultUrl = defaultUrl.replace(/\/+$/, '');
    this.routes = routes;
    // `dot: true`: a name starting with a dot is still a database name, not a hidden file.
    this.#matchers = routes.map((r) => ({ match: picomatch(r.pattern, { dot: true }), url: r.url.replace(/\/+$/, '') }));
  }

  /** The base URL of the InfluxDB that holds `database`. */
  urlFor(database: string): string {
    let url = this.#cache.get(database);
    if (url === undefined) {
      url = this.#matchers.find((m) => m.match(database))?.url ?? this.defaultUrl;
      this.#cache.set(database, url);
    }
    return url;
  }

  /** Every distinct InfluxDB, the default first. */
  urls(): string[] {
    return [...new Set([this.defaultUrl, ...this.#matchers.map((m) => m.url)])];
  }

  /** Patterns that match none of `databases` (a typo, or the wrong case), for a warning at start. */
  unmatched(databases: readonly string[]): string[] {
    return this.routes.filter((_route, i) => !databases.some((db) => this.#matchers[i]!.match(db))).map((r) => r.pattern);
  }
}
