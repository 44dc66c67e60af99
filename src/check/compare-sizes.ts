// Image sizes: an image's total growing by more than 1 % and more than 1024 bytes fails, other growth warns.
import { type Judgement, direction, percentOf } from './judgement.js';

/** The builtin limits of an image total: both must be exceeded to fail. */
export const SIZE_LIMITS = { percent: 1, bytes: 1024 } as const;

export const SIZE_RULES = {
  totalFail: `builtin: image total > ${SIZE_LIMITS.percent} % and > ${SIZE_LIMITS.bytes} B`,
  totalGrew: 'builtin: image total grew',
  sectionGrew: 'builtin: image section grew',
  smaller: 'smaller than the baseline',
} as const;

/** Compares one section or derived total (`isTotal`) of one build configuration. */
export function compareSize(base: number | null, head: number | null, isTotal: boolean): Judgement {
  const plain = direction(base, head, SIZE_RULES.smaller);
  if (base === null || head === null || head <= base) return { base, head, builtin: plain, plain };
  const delta = head - base;
  const pct = percentOf(base, head);
  const over = isTotal && delta > SIZE_LIMITS.bytes && (pct === null || pct > SIZE_LIMITS.percent);
  const builtin = over
    ? { outcome: 'fail' as const, rule: SIZE_RULES.totalFail }
    : { outcome: 'warn' as const, rule: isTotal ? SIZE_RULES.totalGrew : SIZE_RULES.sectionGrew };
  return { base, head, builtin, plain };
}
