// What a push changed: the payload checked against the revision stored before it (POST /api/v1/checks with the previous baseline, not recorded), as one line per series.
import { formatNumber, shortRevision } from '../check/render-text.js';
import type { CheckResult, CheckRow } from '../check/result.js';
import { seriesPath } from '../check/series.js';
import { type PushOptions, type PushResult, errorOf, formatPushResult, joinUrl, pushPayload, readBody } from './push.js';
import { NetworkError, fetchWithRetry } from './retry-fetch.js';

/** Lines past this many are summed up in one: a push is not a review. */
export const MAX_CHANGE_LINES = 50;

/** The comparison is a courtesy: it waits less, and retries less, than the push it follows. */
const COMPARE = { timeoutMs: 30_000, retries: 1 } as const;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Asks the broker how the payload compares with the newest revision it holds from before it, per
 * series, without recording a check. Throws on any failure: the caller reports it, never fails on it.
 */
export async function compareWithPrevious(payload: Uint8Array, label: string, opts: PushOptions): Promise<CheckResult> {
  const bytes = Buffer.from(payload);
  const json = bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes;
  const body = new Uint8Array(Buffer.concat([Buffer.from('{"head":{"payloads":['), json, Buffer.from(']},"baseline":{"previous":true},"record":false}')]));
  const target = joinUrl(opts.url, '/api/v1/checks');
  const headers = { Authorization: `Bearer ${opts.token}`, 'Content-Type': 'application/json' };
  let res: Response;
  try {
    res = await fetchWithRetry(target, () => ({ method: 'POST', headers, body, redirect: 'manual' }), { ...opts, ...COMPARE, label: `${label} (comparison)` });
  } catch (err) {
    if (err instanceof NetworkError) throw new Error(err.message);
    throw err;
  }
  const parsed = await readBody(res);
  if (res.status !== 200) {
    const e = errorOf(res, parsed);
    throw new Error(`${target} answered ${res.status}${e.code ? ` ${e.code}` : ''}${e.message ? ` ${e.message}` : ''}`);
  }
  const j = parsed.json;
  if (!j || typeof j['verdict'] !== 'string' || !Array.isArray(j['rows'])) throw new Error(`${target} answered 200 without a check result`);
  return j as unknown as CheckResult;
}

function changeLine(row: CheckRow): string {
  const against = row.baseline_revision === null ? 'vs the previous snapshot' : `vs ${shortRevision(row.baseline_revision)}`;
  const path = seriesPath(row.series);
  if (row.base === null) return `  ${path}: new, ${formatNumber(row.head)} (not in the previous revision)`;
  if (row.head === null) return `  ${path}: ${formatNumber(row.base)} → gone ${against}`;
  const percent = row.delta_percent === null ? '' : `, ${formatNumber(row.delta_percent, true)} %`;
  return `  ${path}: ${formatNumber(row.base)} → ${formatNumber(row.head)} (${formatNumber(row.delta, true)}${percent}) ${against}`;
}

/**
 * One line per series whose value differs from the previous revision's (`  fvp-default/Debug/BL31_T:
 * 155033 → 157321 (+2288, +1.48 %) vs a1b2c3d`), series that appeared or went too; none when
 * nothing changed or nothing was stored before.
 */
export function changeLines(result: CheckResult): string[] {
  if (result.verdict === 'no-baseline') return [];
  const changed = result.rows.filter((r) => r.base !== r.head);
  const lines = changed.slice(0, MAX_CHANGE_LINES).map(changeLine);
  if (changed.length > MAX_CHANGE_LINES) lines.push(`  ... and ${changed.length - MAX_CHANGE_LINES} more changed series`);
  return lines;
}

/** How a push reports: its lines, and whether to compare after it. */
export interface PushReportIo {
  /** Compare with the previous revision once the payload got in (`--no-compare` turns it off). */
  compare: boolean;
  write: (text: string) => void;
  log: (line: string) => void;
}

/**
 * Pushes one payload and writes its summary line; once it got in, the series it changed. Only
 * the push decides the outcome: a comparison that fails is one note on stderr.
 */
export async function pushAndReport(payload: Uint8Array, name: string, opts: PushOptions, io: PushReportIo): Promise<PushResult> {
  const result = await pushPayload(payload, name, opts);
  for (const l of formatPushResult(name, result, opts.waitSeconds)) io.write(`${l}\n`);
  // The older broker (--legacy) has no checks; a dry run stored nothing.
  if (!io.compare || !result.ok || opts.legacy || opts.dryRun) return result;
  try {
    for (const l of changeLines(await compareWithPrevious(payload, name, opts))) io.write(`${l}\n`);
  } catch (err) {
    io.log(`${name}: pushed; no comparison with the previous revision: ${(err as Error).message}`);
  }
  return result;
}
