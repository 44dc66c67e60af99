// The budgets file's JSON Schema, written once with TypeBox: the TypeScript types come from it.
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../metrics/gate-config.js';

export const BUDGET_SEVERITIES = ['fail', 'warn', 'info'] as const;
export type BudgetSeverity = (typeof BUDGET_SEVERITIES)[number];

/** The limits a rule may set; a rule is broken only when the change exceeds every limit it sets. */
export const BUDGET_LIMITS = ['max_increase', 'max_increase_bytes', 'max_increase_percent'] as const;

const Limit = (description: string) => Type.Optional(Type.Number({ minimum: 0, description }));

export const BudgetRuleSchema = Type.Object(
  {
    metric: Type.String({ minLength: 1, description: 'metric name or glob, e.g. tfa_image_size or tfa_*' }),
    match: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.String(), {
        description: 'globs on the series: measurement, field and tags (e.g. BinMode); every one must match',
      }),
    ),
    max_increase: Limit('largest allowed rise, in the unit of the value (counts, scores, nanoseconds)'),
    max_increase_bytes: Limit('largest allowed rise in bytes (sizes)'),
    max_increase_percent: Limit('largest allowed rise in percent of the baseline'),
    severity: Type.Optional(StringEnum(BUDGET_SEVERITIES, { description: 'outcome when every limit is exceeded (default fail)' })),
  },
  { additionalProperties: false },
);
export type BudgetRule = Static<typeof BudgetRuleSchema>;

export const BudgetsSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    rules: Type.Optional(Type.Array(BudgetRuleSchema, { description: 'every rule whose match fits a row applies; the most severe outcome wins' })),
    defaults: Type.Optional(StringEnum(['builtin', 'none'] as const, { description: 'builtin: the builtin table also applies (default); none: only these rules' })),
  },
  { additionalProperties: false },
);
export type BudgetsFile = Static<typeof BudgetsSchema>;

/** The schema as served at /api/v1/checks/budgets.schema.json (plain JSON, draft-07). */
export function budgetsJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'qmb:checks/budgets.schema.json',
    title: 'Quality Metrics Broker: budgets of a regression check',
    ...(JSON.parse(JSON.stringify(BudgetsSchema)) as Record<string, unknown>),
  };
}
