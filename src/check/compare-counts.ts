// Counts (MISRA defects, offending functions) and informational values (defects, churn).
import type { MetricGate } from '../metrics/gate-config.js';
import { type Judgement, NEW, NO_RULE, REMOVED, UNCHANGED, direction } from './judgement.js';

/** A count: a rise of a `fail` field fails, of a `warn` field warns, of another field is info; a fall improves. */
export function compareCount(gate: MetricGate, field: string | undefined, base: number | null, head: number | null): Judgement {
  const plain = direction(base, head, 'fewer than the baseline');
  if (base === null || head === null || head <= base) return { base, head, builtin: plain, plain };
  const name = field ?? 'count';
  const builtin =
    field !== undefined && gate.fail.includes(field)
      ? { outcome: 'fail' as const, rule: `builtin: ${name} rose` }
      : field !== undefined && gate.warn.includes(field)
        ? { outcome: 'warn' as const, rule: `builtin: ${name} rose` }
        : { outcome: 'info' as const, rule: `builtin: ${name} rose (not gated)` };
  return { base, head, builtin, plain };
}

/** An informational value: any change is info, never a verdict. */
export function compareInfo(base: number | null, head: number | null): Judgement {
  if (base === null) return { base, head, builtin: NEW, plain: NEW };
  if (head === null) return { base, head, builtin: REMOVED, plain: REMOVED };
  if (base === head) return { base, head, builtin: UNCHANGED, plain: UNCHANGED };
  // A fall is not an improvement here: fewer lines of churn, or fewer open defects because they
  // were closed as "won't fix", say nothing about quality by themselves.
  return { base, head, builtin: { outcome: 'info', rule: 'builtin: informational, not gated' }, plain: NO_RULE };
}
