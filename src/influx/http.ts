// The broker's one HTTP client for InfluxDB (writes, queries, pings): node:http(s) on the global
// keep-alive agent, every request bounded by a deadline. Not fetch: its implementation (undici) adds
// about 13 MB to a process that makes one request, and a write sent as a web stream allocates a
// promise and a reader step per block.
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

/** One request to an InfluxDB. */
export interface InfluxCall {
  method: 'GET' | 'POST';
  /** Path and query string, e.g. `/write?db=x&precision=ns`. */
  path: string;
  headers?: Record<string, string>;
  /** A string, or blocks sent one after the other (chunked). */
  body?: string | readonly Uint8Array[];
  /** The whole exchange (connect, send, answer) must end within this, else it fails with InfluxTimeoutError. */
  timeoutMs: number;
}

/** What InfluxDB answered: status, headers (lower-case names) and the body as text. */
export interface InfluxAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Sends one call to the InfluxDB at `base` (scheme, host, port, optional path prefix). */
export type InfluxTransport = (base: string, call: InfluxCall) => Promise<InfluxAnswer>;

/** The request never reached a server, or its connection failed: `code` is the system's (`ECONNREFUSED`, ...). */
export class InfluxNetworkError extends Error {
  override readonly name = 'InfluxNetworkError';
  constructor(
    readonly code: string,
    cause: unknown,
  ) {
    super(`InfluxDB request failed (${code})`, { cause });
  }
}

/** No answer within the deadline: a slow server, not an absent one. */
class InfluxTimeoutError extends Error {
  override readonly name = 'InfluxTimeoutError';
}

/** The system's code of a connection failure; with several addresses tried, the first that has one. */
function systemCode(err: unknown): string {
  const e = err as { code?: unknown; errors?: { code?: unknown }[] };
  const code = e.code ?? e.errors?.find((x) => typeof x.code === 'string')?.code;
  return typeof code === 'string' && code !== '' ? code : 'network error';
}

/** The transport every InfluxDB client of the broker uses unless a test hands in its own. */
export const httpTransport: InfluxTransport = (base, call) =>
  new Promise<InfluxAnswer>((resolve, reject) => {
    // A base with a path (a proxy's prefix) keeps it.
    const url = new URL(`${base}${call.path}`);
    const lib = url.protocol === 'https:' ? https : http;
    let timedOut = false;
    const req = lib.request(url, { method: call.method, headers: call.headers });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new InfluxTimeoutError(`InfluxDB at ${base} did not answer within ${call.timeoutMs} ms`));
    }, call.timeoutMs);
    timer.unref();
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(timedOut ? err : new InfluxNetworkError(systemCode(err), err));
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') });
      });
    });
    if (call.body === undefined || typeof call.body === 'string') {
      req.end(call.body);
      return;
    }
    // Queued on the socket as they are; the caller keeps the blocks until the answer.
    for (const block of call.body) req.write(block);
    req.end();
  });

/** A POST /query with its InfluxQL parameters, form-encoded as InfluxDB 1.x takes them; `headers` added. */
export function queryCall(params: URLSearchParams, headers: Record<string, string> = {}): Omit<InfluxCall, 'timeoutMs'> {
  return { method: 'POST', path: '/query', body: params.toString(), headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' } };
}

/** The value of a header InfluxDB may send once (`retry-after`, `x-influxdb-version`). */
export function headerOf(answer: InfluxAnswer, name: string): string | undefined {
  const v = answer.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
