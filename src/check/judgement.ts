// What comparing one series gives: the values, the builtin table's outcome, and the outcome without it.
import type { Outcome } from './result.js';

/** An outcome with the rule that gave it. */
export interface Decision {
  outcome: Outcome;
  rule: string;
}

export interface Judgement {
  base: number | null;
  head: number | null;
  /** The outcome by the builtin table (budgets `defaults: builtin`). */
  builtin: Decision;
  /** The outcome without the builtin table (`defaults: none`): direction and structure only. */
  plain: Decision;
}

export const NEW: Decision = { outcome: 'new', rule: 'new: no candidate revision holds this series' };
export const REMOVED: Decision = { outcome: 'removed', rule: 'removed: in the baseline, not in head' };
export const UNCHANGED: Decision = { outcome: 'pass', rule: 'unchanged' };
export const NO_RULE: Decision = { outcome: 'pass', rule: 'changed; no rule applies' };

/** head - base, or null when either is missing. */
export function deltaOf(base: number | null, head: number | null): number | null {
  return base === null || head === null ? null : head - base;
}

/** The change in percent of the base, two decimals; null without a base or with a base of 0. */
export function percentOf(base: number | null, head: number | null): number | null {
  if (base === null || head === null || base === 0) return null;
  return Math.round(((head - base) / Math.abs(base)) * 10000) / 100;
}

/**
 * The structural outcome shared by every kind: new, removed, unchanged, or the direction of the
 * change (a decrease improves, a rise is for the rules to judge).
 */
export function direction(base: number | null, head: number | null, fell: string): Decision {
  if (base === null) return NEW;
  if (head === null) return REMOVED;
  if (head < base) return { outcome: 'improved', rule: fell };
  if (head === base) return UNCHANGED;
  return NO_RULE;
}
