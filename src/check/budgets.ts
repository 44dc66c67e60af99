// Budgets: user rules (YAML or JSON, checked against the schema) that tighten or, with defaults none, replace the builtin table.
import { Ajv } from 'ajv';
import picomatch from 'picomatch';
import { LineCounter, parseDocument } from 'yaml';
import { BudgetsInvalidError, type ErrorDetail } from '../errors.js';
import type { MetricRegistry } from '../metrics/registry.js';
import { toDetails } from '../metrics/schema-errors.js';
import { BUDGET_LIMITS, type BudgetRule, type BudgetSeverity, type BudgetsFile, BudgetsSchema } from './budgets-schema.js';
import { type Decision, type Judgement, NO_RULE, deltaOf, percentOf } from './judgement.js';
import type { Outcome } from './result.js';

interface CompiledRule {
  /** 1-based, as the rule texts name it. */
  number: number;
  rule: BudgetRule;
  severity: BudgetSeverity;
  metric: (name: string) => boolean;
  match: [string, (value: string) => boolean][];
  text: string;
}

/** Budgets ready to apply. */
export interface Budgets {
  readonly defaults: 'builtin' | 'none';
  readonly rules: readonly CompiledRule[];
}

/** No budgets file: the builtin table alone. */
export const NO_BUDGETS: Budgets = Object.freeze({ defaults: 'builtin', rules: [] });

const GLOB = { dot: true } as const;
const validate = new Ajv({ allErrors: true, strict: false }).compile(BudgetsSchema);

function describe(n: number, rule: BudgetRule): string {
  const limits: string[] = [];
  if (rule.max_increase !== undefined) limits.push(`> ${rule.max_increase}`);
  if (rule.max_increase_bytes !== undefined) limits.push(`> ${rule.max_increase_bytes} B`);
  if (rule.max_increase_percent !== undefined) limits.push(`> ${rule.max_increase_percent} %`);
  const match = Object.entries(rule.match ?? {}).map(([k, v]) => ` ${k}=${v}`).join('');
  return `budgets rule ${n} (${rule.metric}${match}): ${limits.join(' and ')}`;
}

/**
 * Checks a parsed budgets document and compiles its globs. Problems are reported all at once with
 * JSON Pointers (prefixed by `pointerPrefix`, e.g. `/budgets` inside a request body); a rule whose
 * metric glob names no known metric is one of them when `registry` is given.
 */
export function validateBudgets(value: unknown, options: { registry?: MetricRegistry; pointerPrefix?: string; locate?: (pointer: string) => string } = {}): Budgets {
  const prefix = options.pointerPrefix ?? '';
  const where = (pointer: string): string => `${prefix}${pointer}`;
  const fail = (details: ErrorDetail[]): never => {
    throw new BudgetsInvalidError(details.map((d) => ({ path: where(d.path), message: options.locate ? `${d.message}${options.locate(d.path)}` : d.message })));
  };
  if (!validate(value)) fail(toDetails(validate.errors, value));
  const file = value as BudgetsFile;
  const details: ErrorDetail[] = [];
  const rules: CompiledRule[] = [];
  (file.rules ?? []).forEach((rule, i) => {
    if (!BUDGET_LIMITS.some((k) => rule[k] !== undefined)) {
      details.push({ path: `/rules/${i}`, message: `a rule needs at least one of ${BUDGET_LIMITS.join(', ')}` });
    }
    const metric = picomatch(rule.metric, GLOB);
    if (options.registry && !options.registry.names().some((n) => metric(n))) {
      details.push({ path: `/rules/${i}/metric`, message: `"${rule.metric}" matches no metric (known: ${options.registry.names().join(', ')})` });
    }
    const match = Object.entries(rule.match ?? {}).map(([k, glob]): [string, (v: string) => boolean] => [k, picomatch(glob, GLOB)]);
    rules.push({ number: i + 1, rule, severity: rule.severity ?? 'fail', metric, match, text: describe(i + 1, rule) });
  });
  if (details.length > 0) fail(details);
  return Object.freeze({ defaults: file.defaults ?? 'builtin', rules: Object.freeze(rules) });
}

/** Reads a budgets file, YAML or JSON (JSON is YAML); syntax errors and schema problems name line and JSON Pointer. */
export function parseBudgets(text: string, options: { registry?: MetricRegistry } = {}): Budgets {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new BudgetsInvalidError(
      doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0]);
        return { path: '', message: `line ${at.line}, column ${at.col}: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  const locate = (pointer: string): string => {
    const keys = pointer
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    // The deepest node that exists: a missing key is reported at its parent's line.
    for (let n = keys.length; n >= 0; n--) {
      const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return ` (line ${lines.linePos(node.range[0]).line})`;
    }
    return '';
  };
  return validateBudgets(value ?? {}, { ...options, locate });
}

const RANK: Record<Outcome, number> = { pass: 0, improved: 1, 'insufficient-history': 1, new: 1, removed: 1, info: 2, warn: 3, fail: 4, waived: 4 };

/** Whether a change exceeds every limit the rule sets. */
function broken(rule: BudgetRule, delta: number, percent: number | null): boolean {
  if (!(delta > 0)) return false;
  if (rule.max_increase !== undefined && !(delta > rule.max_increase)) return false;
  if (rule.max_increase_bytes !== undefined && !(delta > rule.max_increase_bytes)) return false;
  // A rise from 0 is an infinite percentage.
  if (rule.max_increase_percent !== undefined && percent !== null && !(percent > rule.max_increase_percent)) return false;
  return true;
}

/**
 * The outcome of one row: the builtin table's (or, with `defaults: none`, the structural one),
 * then every budget rule that matches the row; the most severe wins, ties keep the earlier one.
 */
export function decide(budgets: Budgets, metric: string, series: Record<string, string>, j: Judgement): Decision {
  let best: Decision = budgets.defaults === 'builtin' ? j.builtin : j.plain;
  const delta = deltaOf(j.base, j.head);
  if (delta === null) return best;
  const percent = percentOf(j.base, j.head);
  for (const r of budgets.rules) {
    if (!r.metric(metric)) continue;
    if (!r.match.every(([k, m]) => series[k] !== undefined && m(series[k]))) continue;
    const d: Decision = broken(r.rule, delta, percent) ? { outcome: r.severity, rule: r.text } : { outcome: 'pass', rule: `within ${r.text}` };
    if (RANK[d.outcome] > RANK[best.outcome] || (best === NO_RULE && d.outcome === 'pass')) best = d;
  }
  return best;
}
