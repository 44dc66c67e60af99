// `collect defects`: open issues from the GitHub REST API (Link pagination, rate limits waited out).
import { parseRetryAfter } from '../backoff.js';
import { fetchWithRetry, sleep as realSleep } from './retry-fetch.js';
import { makePayload, type Payload } from './payload.js';

/** Options of {@link collectDefects}. */
export interface DefectsOptions {
  /** `OWNER/REPO`. */
  github: string;
  /** Issues must carry this label; empty for all open issues. */
  label: string;
  apiUrl: string;
  token?: string;
  /** Longest single wait for a rate limit to lift; beyond it we give up rather than hang CI. */
  maxRateLimitWaitMs: number;
  /** Rate-limit answers tolerated in a row on one page. */
  maxRateLimitWaits?: number;
  retries: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** The measuring instant (tag `Measured_Date`); injectable for tests. */
  now?: () => Date;
}

/** The parts of a GitHub issue we use. */
export interface Issue {
  number: number;
  title: string;
  state: string;
  html_url: string;
  pull_request?: unknown;
}

/** Finds the `rel="next"` URL in a `Link` header. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    const rel = /\brel="?([^";]*)"?/.exec(m?.[2] ?? '')?.[1] ?? '';
    if (m && rel.split(/\s+/).includes('next')) return m[1];
  }
  return undefined;
}

/**
 * How long a rate-limited answer asks us to wait, or undefined when the answer is not a
 * rate limit. GitHub answers 403 or 429 with `x-ratelimit-remaining: 0` and a reset time
 * (primary limit), or with `Retry-After` (secondary limit).
 */
export function rateLimitWaitMs(res: Response, nowMs: number): number | undefined {
  if (res.status !== 403 && res.status !== 429) return undefined;
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'), nowMs);
  if (retryAfter !== undefined) return retryAfter;
  if (res.headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(res.headers.get('x-ratelimit-reset'));
    // One second past the reset: GitHub's clock and ours are not the same clock.
    return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - nowMs) + 1000 : 60_000;
  }
  return res.status === 429 ? 60_000 : undefined;
}

/** Fetches every open issue (pull requests left out) through all pages. */
export async function fetchOpenIssues(opts: DefectsOptions, log: (line: string) => void = () => {}): Promise<Issue[]> {
  if (!/^[^/\s]+\/[^/\s]+$/.test(opts.github)) throw new Error(`--github wants OWNER/REPO, got "${opts.github}"`);
  const wait = opts.sleep ?? realSleep;
  const api = new URL(opts.apiUrl.replace(/\/*$/, '/'));
  const first = new URL(`repos/${opts.github}/issues`, api);
  first.searchParams.set('state', 'open');
  first.searchParams.set('per_page', '100');
  if (opts.label !== '') first.searchParams.set('labels', opts.label);
  const issues: Issue[] = [];
  let url: string | undefined = first.href;
  let page = 0;
  let limited = 0;
  while (url) {
    // The token goes only to the API's own origin, never to wherever a Link header points.
    const sameOrigin = new URL(url).origin === api.origin;
    const headers: Record<string, string> = {
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'qmb-collect-defects',
    };
    if (opts.token && sameOrigin) headers.Authorization = `Bearer ${opts.token}`;
    const res = await fetchWithRetry(url, () => ({ headers }), {
      retries: opts.retries,
      timeoutMs: 60_000,
      fetch: opts.fetch,
      sleep: opts.sleep,
      log,
      label: 'defects',
      // Rate limits (403/429) have their own, longer waits below; only server trouble is retried here.
      retryable: (status) => status >= 500,
    });
    const limitMs = rateLimitWaitMs(res, Date.now());
    if (limitMs !== undefined) {
      await res.arrayBuffer().catch(() => undefined);
      limited++;
      if (limited > (opts.maxRateLimitWaits ?? 5)) throw new Error(`GitHub kept answering ${res.status} (rate limit) for ${url}`);
      if (limitMs > opts.maxRateLimitWaitMs) {
        throw new Error(`GitHub rate limit lifts in ${Math.ceil(limitMs / 1000)}s, more than --max-wait allows`);
      }
      log(`defects: rate limited (${res.status}); waiting ${Math.ceil(limitMs / 1000)}s`);
      await wait(limitMs);
      continue;
    }
    limited = 0;
    if (res.status !== 200) {
      const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').slice(0, 200);
      throw new Error(`GitHub answered ${res.status} for ${url}: ${text}`);
    }
    const body: unknown = await res.json();
    if (!Array.isArray(body)) throw new Error(`GitHub answered something other than a list for ${url}`);
    page++;
    for (const item of body as Issue[]) {
      if (item.pull_request === undefined) issues.push(item);
    }
    log(`defects: page ${page}, ${issues.length} open issues so far`);
    url = nextLink(res.headers.get('link'));
  }
  return issues;
}

/** `2024-05-01T10:11:12Z`: the measuring instant to the second, as the `Measured_Date` tag. */
export function measuredDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Builds `tfa_defects_stats` (one point per open issue; left out when there is none) and
 * `tfa_defects_tracking` (the count). Neither carries `time`: the broker stamps them.
 */
export function defectsPayloads(issues: readonly Issue[], measured: string): Payload[] {
  const payloads: Payload[] = [];
  if (issues.length > 0) {
    payloads.push(
      makePayload(
        'tfa_defects_stats',
        issues.map((i) => ({
          measurement: 'TFA_Defects_Statistics',
          fields: { Title: i.title, Issue_Status: i.state, URL: i.html_url },
          tags: { Defect_ID: String(i.number), Measured_Date: measured },
        })),
      ),
    );
  }
  payloads.push(
    makePayload('tfa_defects_tracking', [
      {
        measurement: 'TFA_Defects_Tracking',
        fields: { Issue_Status: 'open', Number_of_Defects: issues.length },
        tags: { Measured_Date: measured },
      },
    ]),
  );
  return payloads;
}

/** Fetches the open issues and builds the defect payloads. */
export async function collectDefects(opts: DefectsOptions, log: (line: string) => void = () => {}): Promise<Payload[]> {
  const issues = await fetchOpenIssues(opts, log);
  return defectsPayloads(issues, measuredDate((opts.now ?? (() => new Date()))()));
}
