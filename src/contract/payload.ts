// The envelope every payload has: the type producers build and the request body the OpenAPI document shows.
import { type ObjectOptions, type Static, type TSchema, Type } from '@sinclair/typebox';

/** A tag or field value as the metric tables allow it. */
export const ScalarSchema = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

/** One point of a payload, as metrics.md describes it (some metrics read other shapes; their schema says). */
export const DataItemSchema = Type.Object(
  {
    measurement: Type.String(),
    tags: Type.Record(Type.String(), ScalarSchema),
    fields: Type.Record(Type.String(), ScalarSchema),
    time: Type.Optional(Type.String({ description: 'RFC 3339, a date, or integer nanoseconds; stamped on acceptance when absent (where the metric allows it)' })),
  },
  { additionalProperties: true },
);

/** What the payload is: `metrics` names the metric; producers may add more (CI job, commit). */
const MetadataSchema = Type.Unsafe<{ metrics: string; [key: string]: unknown }>(
  Type.Object({ metrics: Type.String({ description: 'the metric name', examples: ['tfa_code_churn'] }) }, { additionalProperties: true }),
);

/** The envelope around items of one kind. */
function envelope<T extends TSchema>(item: T, options: ObjectOptions = {}) {
  return Type.Object(
    {
      api_version: Type.String({ examples: ['1.0'] }),
      metadata: MetadataSchema,
      data: Type.Array(item, { minItems: 1 }),
    },
    { additionalProperties: true, ...options },
  );
}

/**
 * A payload for `POST /api/v1/metrics` and the legacy `POST /`. Only documentation on the routes:
 * the metric registry validates the body once, against the schema of its metric and version, with
 * the status codes of each route.
 */
export const PayloadSchema = envelope(
  // Typed unknown: what an item holds is the metric's business, read through its schema.
  Type.Unsafe<unknown>(Type.Object({}, { additionalProperties: true, description: 'a point (DataItem) for most metrics; the schema of the metric says' })),
  {
    $id: 'Payload',
    description: 'See GET /api/v1/metrics/{name}/schema for the schema of each metric and version',
    examples: [
      {
        api_version: '1.0',
        metadata: { metrics: 'tfa_code_churn' },
        data: [
          {
            measurement: 'TFA_CodeChurn_Tracking',
            tags: { Git_Tag_Date: 20210101, Base_Tag: 'v2.3', Target_Tag: 'v2.4' },
            fields: { Lines_of_Change: 7 },
            time: '2021-01-01T00:00:00Z',
          },
        ],
      },
    ],
  },
);

/** A payload of points, what the producers build. */
export const PointsPayloadSchema = envelope(DataItemSchema);

/** Types derived from the schemas above. */
export type Scalar = Static<typeof ScalarSchema>;
export type DataItem = Static<typeof DataItemSchema>;
/** Any payload: the envelope, items as the metric wants them. */
export type Payload = Static<typeof PayloadSchema>;
/** A payload of points. */
export type PointsPayload = Static<typeof PointsPayloadSchema>;
