// Counts (MISRA defects, offending functions) and informational values (defects, churn).
import type { MetricGate } from '../metrics/gate-config.js';
import { type Judgement, NO_RULE, UNCHANGED, direction } from './judgement.js';

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
  const structural = direction(base, head, '');
  if (structural.outcome === 'new' || structural.outcome === 'removed' || base === head) return { base, head, builtin: structural, plain: structural };
  return { base, head, builtin: { outcome: 'info', rule: 'builtin: informational, not gated' }, plain: base === head ? UNCHANGED : NO_RULE };
}
