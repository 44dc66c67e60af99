// What the broker answers about an accepted payload, and the query of the submissions list.
import { type Static, Type } from '@sinclair/typebox';
import { ErrorSchema, StringEnum } from './common.js';

/** The InfluxDB types a field can have. */
export const FIELD_TYPES = ['integer', 'float', 'string', 'boolean'] as const;

/** What became of a submission: pending until delivered, rejected when the store refused it for good. */
export const SUBMISSION_STATUSES = ['pending', 'delivered', 'rejected'] as const;
export const SubmissionStatusSchema = StringEnum(SUBMISSION_STATUSES);

/** Submission ids as the API takes them: digits, at most 15 (what the journal hands out). */
export const SUBMISSION_ID_MAX = 999_999_999_999_999;

const duplicates = {
  duplicates: Type.Integer({ minimum: 0, description: "items that repeated an earlier item's series and time (merged into it, as the store would)" }),
  duplicate_items: Type.Array(Type.Integer({ minimum: 0 }), { description: "the first 10 of those items' indexes in data" }),
};

const submissionProperties = {
  id: Type.Integer({ minimum: 1 }),
  status: SubmissionStatusSchema,
  metric: Type.String(),
  api_version: Type.String(),
  database: Type.String(),
  points: Type.Integer({ minimum: 0, description: 'points stored: one per series and time' }),
  ...duplicates,
  attempts: Type.Integer({ minimum: 0 }),
  last_error: Type.Union([Type.String(), Type.Null()]),
  user_id: Type.Union([Type.Integer(), Type.Null()]),
  received_at: Type.String({ format: 'date-time' }),
  delivered_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  updated_at: Type.String({ format: 'date-time' }),
};

/** One submission as every route shows it (the 202, 201 and 409 of ingest, the status and list routes). */
export const SubmissionSchema = Type.Object(submissionProperties, { $id: 'Submission', additionalProperties: false, description: 'an accepted payload' });
export type SubmissionAnswer = Static<typeof SubmissionSchema>;

/** With ?wait=, the store refused the points: the error body and the submission in one. */
export const RejectedSubmissionSchema = Type.Object(
  { ...ErrorSchema.properties, ...submissionProperties },
  { $id: 'RejectedSubmission', additionalProperties: false, description: 'DATABASE_REJECTED: the store refused the points; the submission is kept and can be retried' },
);

/** `GET /api/v1/submissions`: newest first, with the counts by status. */
export const SubmissionListSchema = Type.Object(
  {
    submissions: Type.Array(SubmissionSchema),
    counts: Type.Object(
      { pending: Type.Integer({ minimum: 0 }), delivered: Type.Integer({ minimum: 0 }), rejected: Type.Integer({ minimum: 0 }) },
      { additionalProperties: false, description: 'submissions in the journal by status' },
    ),
  },
  { additionalProperties: false },
);

/** Filters and paging of the submissions list. */
export const SubmissionListQuery = Type.Object({
  status: Type.Optional(StringEnum(SUBMISSION_STATUSES, { description: 'only this status' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'at most this many, newest first' })),
  before: Type.Optional(Type.Integer({ minimum: 0, maximum: SUBMISSION_ID_MAX, description: 'only ids below this one (paging)' })),
});

/** The submission of `/api/v1/submissions/{id}` and its retry. */
export const SubmissionParams = Type.Object({
  id: Type.String({ description: 'submission id (an unknown or foreign one answers 404)', examples: ['1'] }),
});

/** The answer of the dry run (`POST /api/v1/validate`). */
export const ValidateAnswerSchema = Type.Object(
  {
    valid: Type.Literal(true),
    metric: Type.String(),
    api_version: Type.String(),
    database: Type.String(),
    points: Type.Array(
      Type.Object(
        {
          measurement: Type.String(),
          tags: Type.Record(Type.String(), Type.String()),
          fields: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean()]), {
            description: 'values; an integer beyond 2^53 is given as a decimal string, so no digit is lost',
          }),
          field_types: Type.Record(Type.String(), StringEnum(FIELD_TYPES)),
          time: Type.String({ description: 'nanoseconds since the epoch, decimal' }),
          time_rfc3339: Type.String({ format: 'date-time' }),
        },
        { additionalProperties: false },
      ),
      { description: 'one per series and time: repeats are merged, as the store would' },
    ),
    ...duplicates,
    line_protocol: Type.String(),
  },
  { additionalProperties: false, description: 'the points that would be written' },
);

export type ValidateAnswer = Static<typeof ValidateAnswerSchema>;

/** A dry run refused for what the store holds: the same error as ingest would give, with `valid: false`. */
export const ValidateRefusalSchema = Type.Object(
  { valid: Type.Optional(Type.Literal(false)), ...ErrorSchema.properties },
  { additionalProperties: false },
);
