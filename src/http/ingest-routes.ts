// The new write routes: ingest with plain status codes, dry-run validation, submission status.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BrokerDeps } from '../broker.js';
import { ErrorSchema, WRITE_SECURITY, described, errors, ref } from '../contract/common.js';
import { PayloadSchema } from '../contract/payload.js';
import {
  RejectedSubmissionSchema,
  SubmissionListQuery,
  SubmissionListSchema,
  SubmissionParams,
  SubmissionSchema,
  type SubmissionAnswer,
  type ValidateAnswer,
  ValidateAnswerSchema,
  ValidateRefusalSchema,
} from '../contract/submission.js';
import {
  BrokerError,
  DatabaseRejectedError,
  InvalidRequestError,
  NotFoundError,
  RateLimitedError,
  errorBody,
} from '../errors.js';
import type { FieldValue, Point } from '../ingest/points.js';
import type { AcceptStamp } from '../ingest/stamp.js';
import type { IngestSlots } from './ingest-slots.js';
import type { Submission, SubmissionStatus } from '../journal/submission.js';
import { acceptRequest, jsonBodyOf, prepareFor } from './accept.js';
import { documentedBody } from './api-doc.js';
import { authenticate } from './auth-hook.js';
import { checkWithStore } from './store-check.js';

const MAX_WAIT_SECONDS = 300;

const IngestQuery = Type.Object({
  wait: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_WAIT_SECONDS, description: 'seconds to wait for delivery to the database' })),
});

const StatusQuery = Type.Object({
  wait: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_WAIT_SECONDS, description: 'seconds to wait while it is pending (any replica may deliver it)' })),
});

const payloadBody = documentedBody(ref(PayloadSchema));

/** A submission as the API shows it (SubmissionSchema). */
export function submissionJson(s: Submission): SubmissionAnswer {
  return {
    id: s.id,
    status: s.status,
    metric: s.metric,
    api_version: s.apiVersion,
    database: s.database,
    points: s.points,
    duplicates: s.duplicates,
    duplicate_items: s.duplicateItems,
    attempts: s.attempts,
    last_error: s.lastError,
    user_id: s.userId,
    received_at: new Date(s.receivedAt).toISOString(),
    delivered_at: s.deliveredAt === null ? null : new Date(s.deliveredAt).toISOString(),
    updated_at: new Date(s.updatedAt).toISOString(),
  };
}

function fieldJson(v: FieldValue): number | string | boolean {
  return v.kind === 'integer' ? (v.value >= BigInt(Number.MIN_SAFE_INTEGER) && v.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.value) : v.value.toString()) : v.value;
}

/** A point as /validate shows it: values, their InfluxDB types, time in ns (string) and RFC 3339. */
export function pointJson(p: Point): ValidateAnswer['points'][number] {
  return {
    measurement: p.measurement,
    tags: Object.fromEntries(p.tags),
    fields: Object.fromEntries(p.fields.map(([k, v]) => [k, fieldJson(v)])),
    field_types: Object.fromEntries(p.fields.map(([k, v]) => [k, v.kind])),
    time: p.time.toString(),
    // Accepted times lie within 1677..2262, well inside what Date can show.
    time_rfc3339: new Date(Number(p.time / 1_000_000n)).toISOString(),
  };
}

const STATUS_CODE: Record<SubmissionStatus, number> = { pending: 202, delivered: 201, rejected: 409 };

function answerSubmission(reply: FastifyReply, s: Submission): FastifyReply {
  reply.header('X-Submission-Id', String(s.id)).header('Location', `/api/v1/submissions/${s.id}`);
  const body = submissionJson(s);
  if (s.status === 'rejected') {
    const err = new DatabaseRejectedError(s.lastError ?? 'unknown reason');
    return reply.code(409).send({ ...errorBody(err), ...body });
  }
  return reply.code(STATUS_CODE[s.status]).send(body);
}

export function registerIngestRoutes(app: FastifyInstance, deps: BrokerDeps, stamp: AcceptStamp, slots: IngestSlots): void {
  const onRequest = authenticate(deps.tokens, deps.users);
  const perClient =
    deps.config.rateLimit > 0
      ? {
          rateLimit: {
            max: deps.config.rateLimit,
            timeWindow: 60_000,
            hook: 'preHandler' as const,
            keyGenerator: (req: { user?: { id: number }; ip: string }) => (req.user ? `user:${req.user.id}` : req.ip),
            errorResponseBuilder: (_req: unknown, ctx: { ttl: number }) => new RateLimitedError(Math.max(1, Math.ceil(ctx.ttl / 1000)), 'requests'),
          },
        }
      : {};

  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/api/v1/metrics',
    {
      onRequest,
      preParsing: slots.hook,
      config: perClient,
      schema: {
        tags: ['ingest'],
        summary: 'Ingest one payload',
        security: WRITE_SECURITY,
        querystring: IngestQuery,
        body: payloadBody,
        response: {
          201: described(ref(SubmissionSchema), 'with ?wait: delivered within the wait'),
          202: described(ref(SubmissionSchema), 'accepted (durably journaled), delivery pending; Location: /api/v1/submissions/{id}'),
          409: Type.Union([ref(RejectedSubmissionSchema), ref(ErrorSchema)], {
            description: 'FIELD_TYPE_CONFLICT: a field has another type than the store holds in that shard (nothing stored); with ?wait, DATABASE_REJECTED: the database refused the points',
          }),
          ...errors([400, 401, 403, 413, 415, 429, 503, 507]),
        },
      },
    },
    async (request, reply) => {
      const wait = request.query.wait ?? 0;
      const submission = await acceptRequest(deps, stamp, slots, request);
      const settled = wait > 0 ? await deps.journal.waitSettled(submission.id, wait * 1000) : submission;
      return answerSubmission(reply, settled ?? submission);
    },
  );

  r.post(
    '/api/v1/validate',
    {
      onRequest,
      schema: {
        tags: ['ingest'],
        summary: 'Dry run: validate and convert, store nothing',
        security: WRITE_SECURITY,
        body: payloadBody,
        response: {
          200: ValidateAnswerSchema,
          400: described(ValidateRefusalSchema, 'invalid payload; with `valid: false`, TAG_VALUES_LIMIT: ingest would refuse it'),
          409: described(ValidateRefusalSchema, 'FIELD_TYPE_CONFLICT, with `valid: false`: ingest would refuse it'),
          ...errors([401, 403, 413, 415]),
        },
      },
    },
    async (request, reply) => {
      const prepared = prepareFor(deps, stamp, request.user!, jsonBodyOf(request));
      try {
        await checkWithStore(deps, prepared);
      } catch (err) {
        // Valid on its own but not storable next to what the store holds: same answer as ingest would give.
        if (err instanceof BrokerError) return reply.code(err.status as 400).send({ valid: false, ...(errorBody(err) as Static<typeof ErrorSchema>) });
        throw err;
      }
      return {
        valid: true as const,
        metric: prepared.metric.name,
        api_version: prepared.version,
        database: prepared.database,
        points: prepared.points.map(pointJson),
        duplicates: prepared.duplicates,
        duplicate_items: prepared.duplicateItems,
        line_protocol: prepared.lines,
      };
    },
  );

  /** A submission the caller may see: one of a metric they may write (others look absent). */
  const visible = async (request: FastifyRequest, raw: string): Promise<Submission> => {
    const s = /^\d{1,15}$/.test(raw) ? await deps.journal.get(Number(raw)) : undefined;
    if (!s || !deps.users.mayWrite(request.user!, s.metric)) throw new NotFoundError(`submission ${raw}`);
    return s;
  };

  r.get(
    '/api/v1/submissions/:id',
    {
      onRequest,
      schema: {
        tags: ['ingest'],
        summary: 'What became of an accepted payload',
        security: WRITE_SECURITY,
        params: SubmissionParams,
        querystring: StatusQuery,
        response: { 200: described(ref(SubmissionSchema), 'the submission (with ?wait: once it left pending, or when the wait is up)'), ...errors([400, 401, 404]) },
      },
    },
    async (request) => {
      const s = await visible(request, request.params.id);
      const wait = request.query.wait ?? 0;
      if (wait <= 0 || s.status !== 'pending') return submissionJson(s);
      return submissionJson((await deps.journal.waitSettled(s.id, wait * 1000)) ?? s);
    },
  );

  r.get(
    '/api/v1/submissions',
    {
      onRequest,
      schema: {
        tags: ['ingest'],
        summary: 'Recent submissions, newest first',
        security: WRITE_SECURITY,
        querystring: SubmissionListQuery,
        response: { 200: described(SubmissionListSchema, 'submissions and counts by status'), ...errors([400, 401]) },
      },
    },
    async (request) => {
      const { status, limit = 100, before } = request.query;
      // Newest first, only metrics the caller may write: page through until the limit is filled.
      const user = request.user!;
      const list: Submission[] = [];
      let beforeId = before;
      for (;;) {
        const page = await deps.journal.list({ status, limit, beforeId });
        for (const s of page) if (list.length < limit && deps.users.mayWrite(user, s.metric)) list.push(s);
        if (page.length < limit || list.length >= limit) break;
        beforeId = page[page.length - 1]!.id;
      }
      return { submissions: list.map(submissionJson), counts: await deps.journal.counts() };
    },
  );

  r.post(
    '/api/v1/submissions/:id/retry',
    {
      onRequest,
      schema: {
        tags: ['ingest'],
        summary: 'Deliver a rejected submission again',
        security: WRITE_SECURITY,
        params: SubmissionParams,
        response: {
          200: described(ref(SubmissionSchema), 'pending again'),
          ...errors([400, 401, 404], { 400: 'only a rejected submission can be retried' }),
        },
      },
    },
    async (request) => {
      const s = await visible(request, request.params.id);
      if (!(await deps.journal.retry(s.id))) throw new InvalidRequestError(`submission ${s.id} is ${s.status}, only rejected ones can be retried`);
      return submissionJson((await deps.journal.get(s.id))!);
    },
  );
}
