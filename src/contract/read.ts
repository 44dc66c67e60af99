// The read API's parameters and answers: limits, query strings, path segments, the JSON of each route.
import { type Static, Type } from '@sinclair/typebox';
import { PlainText, StringEnum } from './common.js';
import { FIELD_TYPES } from './submission.js';

/** Limits and defaults of the read API: the query-string schemas below and the route code read them from here. */
export const READ_DEFAULTS = {
  /** Inclusive lower bound when `from` is missing: the epoch. */
  fromNs: 0n,
  /** Exclusive upper bound when `to` is missing: 2100-01-01T00:00:00Z. */
  toNs: 4_102_444_800_000_000_000n,
  /**
   * Rows per answer (`rows`) or per series (`series`) when no `limit` is given; a longer result is
   * cut and the answer says `"truncated": true`. Above the dashboard's largest page (a year of
   * ten-minute MISRA points, about 53,000 rows).
   */
  limit: 100_000,
  maxLimit: 1_000_000,
  maxFields: 64,
  /** Buckets a query may span at most (range / interval). */
  maxBuckets: 1_000_000,
} as const;

/** Per-bucket aggregates of `series` (besides `raw`). */
export const AGGREGATES = ['last', 'max', 'mean', 'sum'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/**
 * Query parameters matched by a pattern, with the name the document gives them: `tag.<key>`
 * parameters cannot be listed one by one.
 */
export const PATTERN_PARAMETERS: Record<string, string> = { '^tag\\.': 'tag.{key}' };

const tagFilter = {
  patternProperties: {
    '^tag\\.': Type.Array(PlainText(), {
      description:
        'tag filter, e.g. tag.BinMode=Debug; repeat a key for alternatives (OR); different keys must all match (AND); an empty value matches points without the tag',
    }),
  },
};

/** Path segments: no stored name has a control character, so none may be asked for. */
export const DbParams = Type.Object({ db: PlainText({ description: 'database name', examples: ['TFA_CodeChurn'] }) });
export const TagKeyParams = Type.Object({
  db: PlainText({ description: 'database name', examples: ['TFA_CodeChurn'] }),
  key: PlainText({ description: 'tag key', examples: ['Target_Tag'] }),
});

const someMeasurement = Type.Optional(PlainText({ description: 'limit the answer to one measurement' }));
const oneMeasurement = PlainText({ description: 'measurement name', examples: ['TFA_CodeChurn_Tracking'] });
const fieldList = (description: string) => Type.Array(PlainText(), { maxItems: READ_DEFAULTS.maxFields, description, examples: [['Lines_of_Change']] });
const time = (description: string) => Type.Optional(Type.String({ description }));
const range = {
  from: time('inclusive start: RFC 3339, a date (YYYY-MM-DD) or integer nanoseconds (-9223372036854775806..9223372036854775806); default the epoch'),
  to: time('exclusive end, same forms; default 2100-01-01'),
};
const order = Type.Optional(StringEnum(['asc', 'desc'], { default: 'asc', description: 'time order' }));
const limit = (description: string) =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: READ_DEFAULTS.maxLimit, default: READ_DEFAULTS.limit, description: `${description}; a longer answer is cut and says truncated: true` }));

/** Query strings of each read route. */
export const MeasurementQuery = Type.Object({ measurement: someMeasurement });
export const TagValuesQuery = Type.Object({ measurement: someMeasurement }, tagFilter);

export const SeriesQuerystring = Type.Object(
  {
    measurement: oneMeasurement,
    field: fieldList(`field to return; repeat for several (at most ${READ_DEFAULTS.maxFields})`),
    ...range,
    group_by: Type.Optional(PlainText({ description: 'one series per value of this tag' })),
    aggregate: Type.Optional(StringEnum(['raw', ...AGGREGATES], { description: 'per-bucket aggregate; raw (the default) returns every point; max, mean and sum need numeric fields' })),
    interval: Type.Optional(
      Type.String({
        pattern: '^[0-9]+[smhdw]?$',
        description: `bucket width with an aggregate: 1w, 1d, 6h, 30m, 60s or seconds; buckets are aligned to the epoch, at most ${READ_DEFAULTS.maxBuckets} over from..to`,
        'x-message': 'interval must be a whole duration such as 1w, 1d, 6h, 30m or 60s',
      }),
    ),
    order,
    limit: limit('at most this many rows per series'),
  },
  tagFilter,
);

export const RowsQuerystring = Type.Object(
  {
    measurement: oneMeasurement,
    field: Type.Optional(fieldList('fields to return (repeat); default all')),
    ...range,
    order,
    limit: limit('at most this many rows in all'),
  },
  tagFilter,
);

/** A query string as the route gets it: checked, numbers coerced, defaults filled in. */
export type SeriesParams = Static<typeof SeriesQuerystring>;
export type RowsParams = Static<typeof RowsQuerystring>;

/** A field value as the read API answers it; integers above 2^53 lose precision, as in any JSON client. */
export const FieldJsonSchema = Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]);

/** A field of a measurement and its InfluxDB type. */
export const FieldKeySchema = Type.Object(
  { measurement: Type.String(), field: Type.String(), type: StringEnum(FIELD_TYPES) },
  { additionalProperties: false },
);

/** One line of a chart: the tag value it is grouped by, and `[time, field1, field2, ...]` rows. */
export const SeriesGroupSchema = Type.Object(
  {
    tags: Type.Record(Type.String(), Type.String(), { description: 'the group_by tag and its value; {} when not grouped' }),
    columns: Type.Array(Type.String(), { description: '"time", then the fields' }),
    values: Type.Unsafe<[string, ...Static<typeof FieldJsonSchema>[]][]>(
      Type.Array(Type.Array(FieldJsonSchema), { description: 'rows: the time in nanoseconds as a decimal string (exact), then the field values, null where the point lacks one' }),
    ),
  },
  { additionalProperties: false },
);

/** One point for a table: its time, every tag, the chosen fields it has. */
export const RowSchema = Type.Object(
  {
    time: Type.String({ description: 'nanoseconds since the epoch, decimal' }),
    tags: Type.Record(Type.String(), Type.String()),
    fields: Type.Record(Type.String(), FieldJsonSchema),
  },
  { additionalProperties: false },
);

const strings = (description: string) => Type.Array(Type.String(), { description });
const truncated = Type.Boolean({ description: `more points matched than the limit (given, or the default ${READ_DEFAULTS.limit}); only the first ones are here` });
const maybeMeasurement = Type.Union([Type.String(), Type.Null()]);

/** The answer of each read route. */
export const DatabasesAnswer = Type.Object({ databases: strings('database names, sorted') }, { additionalProperties: false });
export const MeasurementsAnswer = Type.Object({ database: Type.String(), measurements: strings('measurement names, sorted') }, { additionalProperties: false });
export const TagKeysAnswer = Type.Object({ database: Type.String(), measurement: maybeMeasurement, tag_keys: strings('tag keys, sorted') }, { additionalProperties: false });
export const TagValuesAnswer = Type.Object(
  { database: Type.String(), measurement: maybeMeasurement, key: Type.String(), values: strings('tag values, sorted') },
  { additionalProperties: false },
);
export const FieldKeysAnswer = Type.Object(
  { database: Type.String(), measurement: maybeMeasurement, fields: Type.Array(FieldKeySchema, { description: 'sorted by measurement and name' }) },
  { additionalProperties: false },
);
export const SeriesAnswerSchema = Type.Object(
  {
    database: Type.String(),
    measurement: Type.String(),
    fields: Type.Array(Type.String()),
    // OpenAPI 3.0 spells a nullable enum so: null among the values.
    aggregate: Type.Unsafe<Aggregate | null>({ type: 'string', enum: [...AGGREGATES, null], nullable: true }),
    interval_seconds: Type.Union([Type.Integer(), Type.Null()]),
    group_by: Type.Union([Type.String(), Type.Null()]),
    series: Type.Array(SeriesGroupSchema, { description: 'one per group' }),
    truncated,
  },
  { additionalProperties: false },
);
export const RowsAnswerSchema = Type.Object(
  { database: Type.String(), measurement: Type.String(), rows: Type.Array(RowSchema, { description: 'sorted by time' }), truncated },
  { additionalProperties: false },
);
