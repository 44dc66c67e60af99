// Waivers: `Quality-Waiver: <metric> <series glob>: <reason>` turns matching fail rows into waived.
import picomatch from 'picomatch';
import { InvalidRequestError } from '../errors.js';
import type { CheckRow } from './result.js';
import { seriesPath } from './series.js';

export interface Waiver {
  /** The text as given (after `Quality-Waiver:`). */
  text: string;
  metric: string;
  series: string;
  reason: string;
  matchesMetric: (name: string) => boolean;
  matchesSeries: (path: string) => boolean;
}

const TRAILER = /^\s*Quality-Waiver:[ \t]*(.*?)\s*$/i;
// The series glob runs to the first ": " so that globs may hold spaces and reasons colons.
const WAIVER = /^(\S+)\s+(.+?):\s+(\S.*)$/s;

/** The waiver texts of a commit message: every `Quality-Waiver:` line (the key in any case). */
export function waiverLines(message: string): string[] {
  const out: string[] = [];
  for (const line of message.split(/\r?\n/)) {
    const m = TRAILER.exec(line);
    if (m) out.push(m[1] as string);
  }
  return out;
}

/** Parses one waiver text; `where` names it in the error (a JSON Pointer such as /waivers/0, or an option). */
export function parseWaiver(text: string, where = ''): Waiver {
  const m = WAIVER.exec(text.trim());
  if (!m) {
    throw new InvalidRequestError(`waiver "${text}" must read "<metric> <series glob>: <reason>", e.g. "tfa_image_size fvp-*/Debug/BL31_*: new feature X"`, where);
  }
  const [, metric, series, reason] = m as unknown as [string, string, string, string];
  return {
    text,
    metric,
    series: series.trim(),
    reason: reason.trim(),
    matchesMetric: picomatch(metric, { dot: true }),
    matchesSeries: picomatch(series.trim(), { dot: true }),
  };
}

/** Parses every waiver; a bad one is a usage error naming its index under `pointer`. */
export function parseWaivers(texts: readonly string[], pointer = '/waivers'): Waiver[] {
  return texts.map((t, i) => parseWaiver(t, `${pointer}/${i}`));
}

/**
 * Turns fail rows that a waiver matches into waived (in place), with the first matching waiver's
 * reason, and says which waivers matched a failing row.
 */
export function applyWaivers(rows: CheckRow[], waivers: readonly Waiver[]): { text: string; used: boolean }[] {
  const used = waivers.map(() => false);
  for (const row of rows) {
    if (row.outcome !== 'fail') continue;
    const path = seriesPath(row.series);
    let reason: string | undefined;
    waivers.forEach((w, i) => {
      if (!w.matchesMetric(row.metric) || !w.matchesSeries(path)) return;
      used[i] = true;
      reason ??= w.reason;
    });
    if (reason === undefined) continue;
    row.outcome = 'waived';
    row.waiver = reason;
  }
  return waivers.map((w, i) => ({ text: w.text, used: used[i] as boolean }));
}
