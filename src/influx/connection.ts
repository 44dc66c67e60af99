// How the broker talks to InfluxDB: connection options, auth headers, and reading failures.
import type { SinkLogger } from '../sinks/sink.js';
import { InfluxNetworkError, type InfluxTransport } from './http.js';
import type { InfluxRoute } from './routes.js';

export interface InfluxOptions {
  /** The default InfluxDB: every database no route names. */
  url: string;
  /** Databases kept elsewhere (QMB_INFLUX_ROUTES); first match wins. */
  routes?: readonly InfluxRoute[] | undefined;
  username?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  /** InfluxDB Enterprise's `consistency` of /write (any, one, quorum, all); unset: not sent. */
  consistency?: string | undefined;
  timeoutMs?: number;
  /** How requests are sent (default: httpTransport); tests hand in one that watches them. */
  transport?: InfluxTransport;
  /** Told once when an InfluxDB becomes unreachable and once when it is reachable again. */
  logger?: SinkLogger;
}

/**
 * The network error code of a failed request (`ECONNREFUSED`, `ENOTFOUND`, ...), or undefined when the
 * request reached a server or timed out (a slow server is not an absent one).
 */
export function networkErrorCode(err: unknown): string | undefined {
  return err instanceof InfluxNetworkError ? err.code : undefined;
}

/** The one line an operator needs when InfluxDB cannot be reached. */
export function unreachableMessage(url: string, code: string): string {
  return `InfluxDB at ${url} is unreachable (${code}): is influxd running?`;
}

/** Pulls InfluxDB's `{"error": "..."}` message out of a response body. */
export function messageOf(status: number, body: string): string {
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
