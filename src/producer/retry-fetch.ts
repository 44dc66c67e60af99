// One HTTP request, repeated on network errors, 5xx and 429 with backoff (honouring Retry-After).
// The broker's own backoff object: one schedule (exponential, jitter, cap, Retry-After) for both directions.
import { Backoff, parseRetryAfter, type BackoffOptions } from '../backoff.js';

/** Resolves after `ms`; the default sleeper of the clients. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Collaborators and limits of {@link fetchWithRetry}. */
export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
  backoff?: Partial<BackoffOptions>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Progress lines (retries), meant for stderr. */
  log?: (line: string) => void;
  /** Names the request in progress lines, e.g. the payload file. */
  label?: string;
  /** Which statuses to repeat; defaults to {@link isRetryableStatus}. */
  retryable?: (status: number) => boolean;
}

/** A CI job rides out a broker restart (seconds) but does not hang for long on a dead one. */
export const CLIENT_BACKOFF: Partial<BackoffOptions> = { baseMs: 500, maxMs: 30_000 };

/** Statuses worth repeating: the server is overloaded, restarting or asks us to slow down. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** A request that never got an answer, after every retry. */
export class NetworkError extends Error {
  readonly attempts: number;
  constructor(message: string, attempts: number) {
    super(message);
    this.name = 'NetworkError';
    this.attempts = attempts;
  }
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? String(err)} (${cause})` : (e.message ?? String(err));
}

/**
 * What to do about a TLS failure that no retry can fix: the broker's certificate is not trusted,
 * names another host, is out of date, or the address speaks no TLS. Undefined for other errors.
 */
export function tlsAdvice(err: unknown): string | undefined {
  const code = (err as { cause?: { code?: unknown } }).cause?.code;
  if (typeof code !== 'string') return undefined;
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED|CERT_CHAIN_TOO_LONG|INVALID_CA/.test(code)) {
    return `the broker's TLS certificate is not trusted (${code}); for a private CA, set NODE_EXTRA_CA_CERTS to the CA's PEM file`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the broker's TLS certificate is for another host name (${code}); use a name the certificate lists`;
  if (/CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/.test(code)) return `the broker's TLS certificate is out of date (${code})`;
  if (/CERT/.test(code)) return `the broker's TLS certificate was refused (${code})`;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') return `the address does not speak TLS (${code}); use http:// or the broker's HTTPS port`;
  return undefined;
}

/**
 * Sends the request built by `init` (rebuilt per attempt, so bodies are fresh) and returns the
 * first answer that is not retryable, or the last answer once retries are used up.
 * Throws {@link NetworkError} when no attempt got an answer.
 */
export async function fetchWithRetry(url: string, init: () => RequestInit, opts: RetryOptions): Promise<Response> {
  const doFetch = opts.fetch ?? fetch;
  const wait = opts.sleep ?? sleep;
  const backoff = new Backoff({ ...CLIENT_BACKOFF, ...opts.backoff });
  const attempts = Math.max(1, opts.retries + 1);
  const label = opts.label ? `${opts.label}: ` : '';
  for (let attempt = 1; ; attempt++) {
    let reason: string;
    let retryAfterMs: number | undefined;
    try {
      const res = await doFetch(url, { ...init(), signal: AbortSignal.timeout(opts.timeoutMs) });
      if (!(opts.retryable ?? isRetryableStatus)(res.status) || attempt >= attempts) return res;
      retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      reason = `${res.status} ${res.statusText}`.trim();
      // Drain the body so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      const tls = tlsAdvice(err);
      if (tls) throw new NetworkError(`no answer from ${new URL(url).origin}: ${tls}`, attempt);
      if (attempt >= attempts) throw new NetworkError(`no answer from ${new URL(url).origin} after ${attempt} attempt(s): ${describe(err)}`, attempt);
      reason = describe(err);
    }
    const delay = backoff.delay(attempt, retryAfterMs);
    opts.log?.(`${label}${reason}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${attempt + 1} of ${attempts})`);
    await wait(delay);
  }
}
