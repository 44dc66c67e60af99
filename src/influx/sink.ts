// InfluxDB sink: the 1.x `/write` and `/query` HTTP API (also served by 2.x/3.x compatibility layers).
import { parseRetryAfter } from '../backoff.js';
import type { Health, Sink, SinkLogger, WriteResult } from '../sinks/sink.js';
import { ident } from './influxql.js';

export interface InfluxOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Told once when InfluxDB becomes unreachable and once when it is reachable again. */
  logger?: SinkLogger;
}

/**
 * The network error code of a failed fetch (`ECONNREFUSED`, `ENOTFOUND`, ...), or undefined when the
 * request reached a server or timed out (a slow server is not an absent one).
 */
export function networkErrorCode(err: unknown): string | undefined {
  if (!(err instanceof TypeError)) return undefined;
  // undici: TypeError('fetch failed', { cause }); with several addresses the cause is an AggregateError.
  const cause = (err as { cause?: { code?: unknown; message?: unknown; errors?: { code?: unknown }[] } }).cause;
  if (!cause) return undefined;
  const code = cause.code ?? cause.errors?.find((e) => typeof e.code === 'string')?.code ?? cause.message;
  return typeof code === 'string' && code !== '' ? code : 'network error';
}

/** The one line an operator needs when InfluxDB cannot be reached. */
export function unreachableMessage(url: string, code: string): string {
  return `InfluxDB at ${url} is unreachable (${code}): is influxd running?`;
}

/** Pulls InfluxDB's `{"error": "..."}` message out of a response body. */
function messageOf(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const msg = parsed.error ?? parsed.message;
    if (typeof msg === 'string') return msg;
  } catch {
    // not JSON: use the text
  }
  return body.trim().slice(0, 500) || `HTTP ${status}`;
}

/** The Authorization header for InfluxDB: a token (2.x/3.x) or basic credentials (1.x), or none. */
export function influxAuthHeaders(options: Pick<InfluxOptions, 'username' | 'password' | 'token'>): Record<string, string> {
  if (options.token) return { Authorization: `Token ${options.token}` };
  if (options.username) return { Authorization: `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}` };
  return {};
}

export class InfluxSink implements Sink {
  readonly kind = 'influxdb' as const;
  readonly url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #logger: SinkLogger | undefined;
  #unreachable: string | undefined;

  constructor(options: InfluxOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? fetch;
    this.#headers = influxAuthHeaders(options);
    this.#logger = options.logger;
  }

  /** While InfluxDB cannot be reached: the network error code of the last attempt. */
  get unreachable(): string | undefined {
    return this.#unreachable;
  }

  async #request(pathAndQuery: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.url}${pathAndQuery}`, {
        ...init,
        headers: { ...this.#headers, ...(init.headers as Record<string, string> | undefined) },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const code = networkErrorCode(err);
      // Every lane, the start-up database creation and /readyz meet the same outage: say it once.
      if (code !== undefined && this.#unreachable !== code) {
        this.#unreachable = code;
        this.#logger?.warn({ influx_url: this.url, cause: code }, `${unreachableMessage(this.url, code)} Accepted points wait in the journal; retrying.`);
      }
      throw err;
    }
    if (this.#unreachable !== undefined) {
      this.#unreachable = undefined;
      this.#logger?.info({ influx_url: this.url }, `InfluxDB at ${this.url} is reachable again`);
    }
    return res;
  }

  async write(database: string, lines: string): Promise<WriteResult> {
    let res: Response;
    try {
      res = await this.#request(`/write?db=${encodeURIComponent(database)}&precision=ns`, {
        method: 'POST',
        body: lines,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      });
    } catch (err) {
      const code = networkErrorCode(err);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return {
        ok: false,
        retry: true,
        message: `InfluxDB unreachable: ${code ?? cause?.message ?? (err as Error).message}`,
        ...(code !== undefined ? { unreachable: code } : {}),
      };
    }
    if (res.status >= 200 && res.status < 300) {
      await res.arrayBuffer();
      return { ok: true };
    }
    const message = messageOf(res.status, await res.text());
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    if (res.status === 404 && /not found/i.test(message)) {
      return { ok: false, retry: true, databaseMissing: true, status: res.status, message };
    }
    const retry = res.status >= 500 || res.status === 429 || res.status === 408;
    return { ok: false, retry, status: res.status, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }

  /** Creates a database (a no-op when it exists); throws with InfluxDB's message on failure. */
  async createDatabase(database: string): Promise<void> {
    const q = `CREATE DATABASE ${ident(database)}`;
    let res: Response;
    try {
      res = await this.#request('/query', {
        method: 'POST',
        body: new URLSearchParams({ q }).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    } catch (err) {
      const code = networkErrorCode(err);
      if (code !== undefined) throw new Error(unreachableMessage(this.url, code), { cause: err });
      throw err;
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`InfluxDB ${res.status}: ${messageOf(res.status, text)}`);
    const error = (JSON.parse(text) as { results?: { error?: string }[] }).results?.find((r) => r.error)?.error;
    if (error) throw new Error(`InfluxDB: ${error}`);
  }

  async ping(): Promise<Health> {
    try {
      const res = await this.#request('/ping', { method: 'GET' });
      await res.arrayBuffer();
      const version = res.headers.get('x-influxdb-version');
      return res.status === 204 || res.ok
        ? { ok: true, detail: `InfluxDB ${version ?? ''} at ${this.url}`.replace('  ', ' ') }
        : { ok: false, detail: `InfluxDB at ${this.url} answered ${res.status}` };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      return { ok: false, detail: `InfluxDB at ${this.url} unreachable: ${cause?.code ?? (err as Error).message}` };
    }
  }

  async close(): Promise<void> {}
}
