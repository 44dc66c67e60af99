// Runtime latencies: head's median against the median of recent history, with a robust noise band.
import { type Decision, type Judgement, NEW } from './judgement.js';

/** The builtin limits: enough samples, from at most so many revisions; the band is max(k × 1.4826 × MAD, share × median). */
export const HISTORY_LIMITS = { minSamples: 5, maxRevisions: 20, madFactor: 3, normal: 1.4826, minShare: 0.05 } as const;

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/** Compares head's samples of one series with the samples of its history (newest revisions first, already cut to maxRevisions). */
export function compareHistory(baseSamples: readonly number[], headSamples: readonly number[]): Judgement & { band: number | null } {
  const h = headSamples.length > 0 ? median(headSamples) : null;
  if (baseSamples.length === 0) return { base: null, head: h, builtin: NEW, plain: NEW, band: null };
  const m = median(baseSamples);
  if (h === null) {
    const removed: Decision = { outcome: 'removed', rule: 'removed: in the baseline, not in head' };
    return { base: m, head: null, builtin: removed, plain: removed, band: null };
  }
  if (baseSamples.length < HISTORY_LIMITS.minSamples) {
    const few: Decision = { outcome: 'insufficient-history', rule: `builtin: ${baseSamples.length} baseline samples, ${HISTORY_LIMITS.minSamples} needed` };
    return { base: m, head: h, builtin: few, plain: few, band: null };
  }
  const band = Math.max(HISTORY_LIMITS.madFactor * HISTORY_LIMITS.normal * mad(baseSamples), HISTORY_LIMITS.minShare * Math.abs(m));
  const n = baseSamples.length;
  let builtin: Decision;
  if (h - m > band) builtin = { outcome: 'warn', rule: `builtin: median above the baseline median by more than max(3 × 1.4826 × MAD, 5 %) = ${round(band)} (${n} samples)` };
  else if (m - h > band) builtin = { outcome: 'improved', rule: `median below the baseline median by more than ${round(band)} (${n} samples)` };
  else builtin = { outcome: 'pass', rule: h === m ? 'unchanged' : `within ${round(band)} of the baseline median (${n} samples)` };
  const plain: Decision = builtin.outcome === 'warn' ? { outcome: 'pass', rule: 'changed; no rule applies' } : builtin;
  return { base: m, head: h, builtin, plain, band };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
