// The HTTP client of `qmb push`: sends payload bytes unchanged, reads the broker's answer.
import type { SubmissionAnswer, ValidateAnswer } from '../contract/submission.js';
import { duplicatesNote } from '../ingest/duplicates.js';
import { fetchWithRetry, NetworkError, type RetryOptions } from './retry-fetch.js';

/** Where and how to push. */
export interface PushOptions extends Omit<RetryOptions, 'label'> {
  /** Broker base URL, e.g. `http://broker:5000`. */
  url: string;
  token: string;
  /** Talk to the older broker's `POST /` with the `JWT` prefix. */
  legacy?: boolean;
  /** Ask the broker to wait this long for delivery (`?wait=`). */
  waitSeconds?: number;
  /** Validate only, at `/api/v1/validate`. */
  dryRun?: boolean;
}

/** What became of one payload. */
export type PushOutcome = 'accepted' | 'delivered' | 'valid' | 'pending' | 'rejected' | 'failed';

/** One violation the broker listed. */
export interface PushErrorDetail {
  path: string;
  message: string;
}

/** The outcome of one push, enough for the summary line and the exit status. */
export interface PushResult {
  /** True when the payload got in (delivered, with `--wait`; valid, with `--dry-run`). */
  ok: boolean;
  outcome: PushOutcome;
  status?: number;
  id?: string;
  points?: number;
  /** Items the broker merged into an earlier one of the same series and time. */
  duplicates?: number;
  /** The first few of those items' indexes. */
  duplicateItems?: number[];
  code?: string;
  message?: string;
  errors: PushErrorDetail[];
  /** The broker's JSON answer, for callers that read more of it (`qmb validate` prints its line protocol). */
  body?: Record<string, unknown>;
}

/** Joins the base URL and a path, tolerating a trailing slash on the base. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** Where a push goes, by mode. */
export function pushTarget(opts: Pick<PushOptions, 'url' | 'legacy' | 'dryRun' | 'waitSeconds'>): string {
  if (opts.legacy) return joinUrl(opts.url, '/');
  if (opts.dryRun) return joinUrl(opts.url, '/api/v1/validate');
  const wait = opts.waitSeconds !== undefined ? `?wait=${encodeURIComponent(String(opts.waitSeconds))}` : '';
  return joinUrl(opts.url, `/api/v1/metrics${wait}`);
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** An answer's body: its JSON object when it is one, and the text. */
export interface Body {
  json?: Record<string, unknown>;
  text: string;
}

/** Reads an answer's body; a body that is not a JSON object is kept as text. */
export async function readBody(res: Response): Promise<Body> {
  const text = await res.text().catch(() => '');
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { json: parsed as Record<string, unknown>, text };
  } catch {
    // Not JSON (a proxy's HTML page, say): the text itself is the message.
  }
  return { text };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Reads the broker's error body (`data`, `code`, `errors`) or the token library's keys (`description`). */
export function errorOf(res: Response, body: Body): Pick<PushResult, 'code' | 'message' | 'errors'> {
  const j = body.json ?? {};
  const message = str(j.data) ?? str(j.description) ?? str(j.message) ?? (oneLine(body.text) || res.statusText);
  const errors: PushErrorDetail[] = [];
  if (Array.isArray(j.errors)) {
    for (const e of j.errors as unknown[]) {
      const rec = (e ?? {}) as Record<string, unknown>;
      errors.push({ path: str(rec.path) ?? '', message: oneLine(str(rec.message) ?? '') });
    }
  }
  return { code: str(j.code), message: oneLine(message), errors };
}

/**
 * The keys read from an answer: a submission (ingest) or a dry run (validate), named by their
 * schemas. Checked at run time all the same: an older broker may leave some out.
 */
type AnswerJson = Partial<Pick<SubmissionAnswer, 'id' | 'duplicates' | 'duplicate_items'>> & { points?: SubmissionAnswer['points'] | ValidateAnswer['points'] };

function pointsOf(j: AnswerJson | undefined): number | undefined {
  const p = j?.points;
  if (typeof p === 'number') return p;
  if (Array.isArray(p)) return p.length;
  return undefined;
}

/** The broker's duplicates report; older brokers send none. */
function duplicatesOf(j: AnswerJson | undefined): Pick<PushResult, 'duplicates' | 'duplicateItems'> {
  const d = j?.duplicates;
  if (typeof d !== 'number' || d <= 0) return {};
  const items = Array.isArray(j?.duplicate_items) ? (j.duplicate_items as unknown[]).filter((i): i is number => typeof i === 'number') : [];
  return { duplicates: d, duplicateItems: items };
}

/**
 * Pushes one payload. The body goes out byte for byte: the broker reads the lexical form of
 * numbers (`5` vs `5.0`), which a parse-and-serialise round trip would lose.
 */
export async function pushPayload(body: Uint8Array, label: string, opts: PushOptions): Promise<PushResult> {
  const target = pushTarget(opts);
  const scheme = opts.legacy ? 'JWT' : 'Bearer';
  const headers = { Authorization: `${scheme} ${opts.token}`, 'Content-Type': 'application/json' };
  // With ?wait= the broker holds the answer back; give the request that long on top.
  const timeoutMs = opts.timeoutMs + (opts.waitSeconds ?? 0) * 1000;
  // A copy on a plain ArrayBuffer: what fetch's BodyInit type accepts, whatever the caller read.
  const bytes = new Uint8Array(body);
  let res: Response;
  try {
    // Never follow a redirect: it would carry the payload (and, at /auth, the password) to another host.
    res = await fetchWithRetry(target, () => ({ method: 'POST', headers, body: bytes, redirect: 'manual' }), { ...opts, timeoutMs, label });
  } catch (err) {
    if (err instanceof NetworkError) return { ok: false, outcome: 'failed', message: err.message, errors: [] };
    throw err;
  }
  const parsed = await readBody(res);
  const answer = parsed.json as AnswerJson | undefined;
  const id = str(answer?.id) ?? res.headers.get('x-submission-id') ?? undefined;
  const points = pointsOf(answer);
  const dups = duplicatesOf(answer);
  const s = res.status;
  const whole = parsed.json ? { body: parsed.json } : {};
  if (opts.dryRun && s === 200) return { ok: true, outcome: 'valid', status: s, points, ...dups, errors: [], ...whole };
  if (opts.legacy && s >= 200 && s < 300) return { ok: true, outcome: 'accepted', status: s, id, errors: [], ...whole };
  if (!opts.legacy && !opts.dryRun) {
    if (s === 201) return { ok: true, outcome: 'delivered', status: s, id, points, ...dups, errors: [], ...whole };
    if (s === 202) {
      // Without --wait, journaled is what "accepted" promises; with it, only delivery counts.
      const waited = opts.waitSeconds !== undefined;
      return { ok: !waited, outcome: waited ? 'pending' : 'accepted', status: s, id, points, ...dups, errors: [], ...whole };
    }
  }
  if (s >= 200 && s < 300) {
    return { ok: false, outcome: 'failed', status: s, id, message: `unexpected answer ${s} from ${target}`, errors: [], ...whole };
  }
  if (s >= 300 && s < 400) return { ok: false, outcome: 'failed', status: s, message: redirectMessage(res, target), errors: [], ...whole };
  return { ok: false, outcome: 'rejected', status: s, id, ...errorOf(res, parsed), ...whole };
}

function redirectMessage(res: Response, target: string): string {
  const to = res.headers.get('location');
  return `${target} answered ${res.status}, a redirect${to ? ` to ${to}` : ''}, which is not followed; give the broker's own address with --url or QMB_URL`;
}

/** Formats the summary line of one payload, then one indented line per violation the broker listed. */
export function formatPushResult(name: string, r: PushResult, waitSeconds?: number): string[] {
  const id = r.id !== undefined ? ` id=${r.id}` : '';
  const points = (r.points !== undefined ? ` points=${r.points}` : '') + duplicatesNote(r.duplicates ?? 0, r.duplicateItems ?? []);
  switch (r.outcome) {
    case 'accepted':
    case 'delivered':
      return [`${name}: ${r.outcome}${id}${points}`];
    case 'valid':
      return [`${name}: valid${points}`];
    case 'pending':
      return [`${name}: not delivered within ${waitSeconds ?? 0}s (still pending)${id}${points}`];
    case 'failed':
      return [`${name}: failed ${r.message ?? ''}`.trimEnd()];
    case 'rejected': {
      const head = [`${name}: rejected ${r.status ?? ''}`, r.code, r.message].filter((x) => x).join(' ');
      return [head + id, ...r.errors.map((e) => `  ${e.path || '/'}: ${e.message}`)];
    }
  }
}

/** Exchanges a user name and password for a token at the broker's `POST /auth`. */
export async function fetchToken(url: string, username: string, password: string, opts: Omit<RetryOptions, 'label'>): Promise<string> {
  const target = joinUrl(url, '/auth');
  const body = JSON.stringify({ username, password });
  let res: Response;
  try {
    res = await fetchWithRetry(target, () => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body, redirect: 'manual' }), {
      ...opts,
      label: 'auth',
    });
  } catch (err) {
    throw new Error(`cannot log in at ${target}: ${(err as Error).message}`);
  }
  if (res.status >= 300 && res.status < 400) throw new Error(`cannot log in: ${redirectMessage(res, target)}`);
  const parsed = await readBody(res);
  const token = parsed.json?.access_token;
  if (res.status === 200 && typeof token === 'string' && token !== '') return token;
  const e = errorOf(res, parsed);
  throw new Error(`login as ${username} refused: ${res.status} ${e.message ?? ''}`.trimEnd());
}
