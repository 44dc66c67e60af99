// The answer of a check (POST /api/v1/checks) as a JSON Schema, with its TypeScript types derived from it.
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../metrics/gate-config.js';

/** Every outcome a row can have, most severe first: rows are sorted in this order. */
export const OUTCOMES = ['fail', 'warn', 'waived', 'insufficient-history', 'new', 'removed', 'improved', 'info', 'pass'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const VERDICTS = ['pass', 'warn', 'fail', 'no-baseline'] as const;
export type Verdict = (typeof VERDICTS)[number];

const Num = Type.Union([Type.Number(), Type.Null()]);

export const CheckRowSchema = Type.Object(
  {
    metric: Type.String(),
    /** The series' identity in display order (tags, `measurement`, key fields, `field`). */
    series: Type.Record(Type.String(), Type.String()),
    base: Num,
    head: Num,
    delta: Num,
    /** Percent of the base, two decimals; null when there is no base or it is 0. */
    delta_percent: Num,
    outcome: StringEnum(OUTCOMES),
    /** Why the row has its outcome: `builtin: ...`, `budgets rule N: ...`, `unchanged`, ... */
    rule: Type.String(),
    baseline_revision: Type.Union([Type.String(), Type.Null()]),
    /** The reason of the waiver that turned a fail into waived. */
    waiver: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type CheckRow = Static<typeof CheckRowSchema>;

export const CountsSchema = Type.Object(Object.fromEntries(OUTCOMES.map((o) => [o, Type.Integer({ minimum: 0 })])) as Record<Outcome, ReturnType<typeof Type.Integer>>, {
  additionalProperties: false,
});
export type Counts = Record<Outcome, number>;

export const CheckResultSchema = Type.Object(
  {
    /** The recorded check's id; null when not recorded. */
    id: Type.Union([Type.Integer(), Type.Null()]),
    verdict: StringEnum(VERDICTS),
    counts: CountsSchema,
    /** The revisions the head's points carry (its revision tags). */
    head: Type.Object({ revisions: Type.Array(Type.String()) }, { additionalProperties: false }),
    baseline: Type.Object(
      {
        /** The candidates that some series was compared with, newest first. */
        revisions: Type.Array(Type.String()),
        /** How many candidates come before the newest one used (commits behind). */
        candidates_skipped: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    rows: Type.Array(CheckRowSchema),
    /** Every waiver given, and whether it matched a failing row. */
    waivers: Type.Array(Type.Object({ text: Type.String(), used: Type.Boolean() }, { additionalProperties: false })),
    created_at: Type.String(),
  },
  { additionalProperties: false },
);
export type CheckResult = Static<typeof CheckResultSchema>;

/** A recorded check without its rows, as lists show it. */
export type CheckSummary = Omit<CheckResult, 'rows'> & { id: number };
