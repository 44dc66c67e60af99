// The metric catalogue: what metrics the broker knows, and each one's JSON Schema.
import { Type } from '@sinclair/typebox';
import { StringEnum } from './common.js';
import { FIELD_TYPES } from './submission.js';

/** `GET /api/v1/metrics`: every metric the broker knows. */
export const CatalogAnswer = Type.Object(
  {
    metrics: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          api_versions: Type.Array(Type.String()),
          database: Type.String(),
          description: Type.String(),
          field_types: Type.Record(Type.String(), StringEnum(FIELD_TYPES), { description: 'fields whose type is fixed whatever the literal says' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, description: 'the metric catalogue' },
);

/** The metric of `GET /api/v1/metrics/{name}/schema`, and its version. */
export const MetricParams = Type.Object({ name: Type.String({ description: 'metric name', examples: ['tfa_code_churn'] }) });
export const SchemaQuery = Type.Object({ version: Type.Optional(Type.String({ description: 'API version; default the newest' })) });

/** A metric's schema, answered as `application/schema+json`. */
export const MetricSchemaAnswer = Type.Object({}, { additionalProperties: true, description: "the metric's JSON Schema" });
