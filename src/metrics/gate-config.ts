// What a metric definition declares for the regression gate: revision tag, series identity, comparison kind.
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ConfigError } from '../errors.js';
import { toDetails } from './schema-errors.js';

/** How rows of a metric are compared; `none` leaves the metric out of checks. */
export const GATE_KINDS = ['sizes', 'counts', 'set', 'history', 'info', 'none'] as const;
export type GateKind = (typeof GATE_KINDS)[number];

/** A string enum as JSON Schema `enum` (one clear error message), typed as the union. */
export function StringEnum<T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

const Name = Type.String({ minLength: 1, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
const Names = Type.Array(Name, { uniqueItems: true });

/** The `gate` object of metric.json (every key optional; see docs/metrics.md). */
export const GateSchema = Type.Object(
  {
    kind: Type.Optional(StringEnum(GATE_KINDS)),
    /** The one measurement this metric writes, when its database is shared with other metrics. */
    measurement: Type.Optional(Name),
    /** Numeric fields compared; default: every numeric field of the point. */
    fields: Type.Optional(Names),
    /** String fields that are part of the series identity (a complexity function's name, a defect status). */
    keyFields: Type.Optional(Names),
    /** Count the points per value of this field or tag instead of comparing fields (defect lists). */
    countBy: Type.Optional(Name),
    /** Without a revision tag: the tag naming one snapshot (all points of the newest value form the baseline). */
    snapshotTag: Type.Optional(Name),
    /** counts: fields whose rise fails, fields whose rise warns. */
    fail: Type.Optional(Names),
    warn: Type.Optional(Names),
    /** set: the fields holding score, threshold and allow-list flag. */
    score: Type.Optional(Name),
    threshold: Type.Optional(Name),
    whitelisted: Type.Optional(Name),
    /** A regular expression per series key whose match is removed from the value (a line number in a location). */
    strip: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** sizes: suffix of the derived total of an image's sections. */
    totalSuffix: Type.Optional(Name),
  },
  { additionalProperties: false },
);
export type GateConfig = Static<typeof GateSchema>;

/** The gate part of metric.json, checked together so that one message names every problem. */
export const MetricGateSchema = Type.Object({
  revisionTag: Type.Optional(Name),
  /** Tags (and the pseudo-tag `measurement`) that identify a series, in display order. */
  seriesTags: Type.Optional(Names),
  gate: Type.Optional(GateSchema),
});

/** A metric's gate settings with defaults applied. */
export interface MetricGate {
  readonly revisionTag: string | undefined;
  /** undefined: every tag except the revision tag, plus the measurement. */
  readonly seriesTags: readonly string[] | undefined;
  readonly kind: GateKind;
  readonly measurement: string | undefined;
  readonly fields: readonly string[] | undefined;
  readonly keyFields: readonly string[];
  readonly countBy: string | undefined;
  readonly snapshotTag: string | undefined;
  readonly fail: readonly string[];
  readonly warn: readonly string[];
  readonly score: string;
  readonly threshold: string;
  readonly whitelisted: string;
  readonly strip: Readonly<Record<string, RegExp>>;
  readonly totalSuffix: string;
}

const validateGate = new Ajv({ allErrors: true, strict: false }).compile(MetricGateSchema);

/** Reads and checks the gate keys of one metric.json; throws ConfigError naming the file and key. */
export function readMetricGate(meta: Record<string, unknown>, file: string): MetricGate {
  const part = { revisionTag: meta['revisionTag'], seriesTags: meta['seriesTags'], gate: meta['gate'] };
  for (const k of Object.keys(part) as (keyof typeof part)[]) if (part[k] === undefined) delete part[k];
  if (!validateGate(part)) {
    const problems = toDetails(validateGate.errors, part).map((d) => `${d.path || '/'} ${d.message}`);
    throw new ConfigError(`${file}: ${problems.join('; ')}`);
  }
  const { revisionTag, seriesTags, gate = {} } = part as Static<typeof MetricGateSchema>;
  if (revisionTag !== undefined && seriesTags?.includes(revisionTag)) {
    throw new ConfigError(`${file}: /seriesTags must not name the revision tag "${revisionTag}"`);
  }
  const kind = gate.kind ?? 'info';
  if (gate.countBy !== undefined && gate.fields !== undefined) throw new ConfigError(`${file}: /gate: countBy and fields exclude each other`);
  if (gate.countBy !== undefined && kind !== 'info' && kind !== 'counts') throw new ConfigError(`${file}: /gate/countBy needs kind info or counts`);
  const strip: Record<string, RegExp> = {};
  for (const [key, source] of Object.entries(gate.strip ?? {})) {
    try {
      strip[key] = new RegExp(source);
    } catch (err) {
      throw new ConfigError(`${file}: /gate/strip/${key}: ${(err as Error).message}`);
    }
  }
  return Object.freeze({
    revisionTag,
    seriesTags: seriesTags ? Object.freeze([...seriesTags]) : undefined,
    kind,
    measurement: gate.measurement,
    fields: gate.fields ? Object.freeze([...gate.fields]) : undefined,
    keyFields: Object.freeze([...(gate.keyFields ?? [])]),
    countBy: gate.countBy,
    snapshotTag: gate.snapshotTag,
    fail: Object.freeze([...(gate.fail ?? [])]),
    warn: Object.freeze([...(gate.warn ?? [])]),
    score: gate.score ?? 'Score',
    threshold: gate.threshold ?? 'Threshold',
    whitelisted: gate.whitelisted ?? 'Whitelisted',
    strip: Object.freeze(strip),
    totalSuffix: gate.totalSuffix ?? '_total',
  });
}
