// Complexity: the set of functions above their threshold; a new offender that is not allow-listed fails.
import { type Judgement, NEW, UNCHANGED, direction } from './judgement.js';
import { type Observation, newest } from './series.js';

export const SET_RULES = {
  newOffender: 'builtin: above its threshold, not in the baseline or not above it there, not whitelisted',
  whitelisted: 'above its threshold, whitelisted',
  rose: 'builtin: above its threshold in both, score rose',
  fell: 'score fell',
  gone: 'builtin: above its threshold in the baseline, not in head',
} as const;

function above(o: Observation | undefined): boolean {
  const score = newest(o);
  return o !== undefined && score !== null && o.threshold !== undefined && score > o.threshold;
}

/**
 * Compares one function. `baselineExists`: some candidate holds points of this metric, so a
 * function missing there is absent, not merely unknown.
 */
export function compareSet(base: Observation | undefined, head: Observation | undefined, baselineExists: boolean): Judgement {
  const b = newest(base);
  const h = newest(head);
  if (!baselineExists) return { base: null, head: h, builtin: NEW, plain: NEW };
  const plain = base === undefined ? NEW : direction(b, h, SET_RULES.fell);
  const headAbove = above(head);
  const baseAbove = above(base);
  let builtin = plain;
  if (headAbove && !baseAbove) {
    builtin = head?.whitelisted ? { outcome: 'pass', rule: SET_RULES.whitelisted } : { outcome: 'fail', rule: SET_RULES.newOffender };
  } else if (headAbove && baseAbove) {
    builtin = (h as number) > (b as number) ? { outcome: 'warn', rule: SET_RULES.rose } : h === b ? UNCHANGED : { outcome: 'improved', rule: SET_RULES.fell };
  } else if (baseAbove) {
    builtin = { outcome: 'improved', rule: SET_RULES.gone };
  }
  return { base: b, head: h, builtin, plain };
}
