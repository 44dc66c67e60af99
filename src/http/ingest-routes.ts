// The new write routes: ingest with plain status codes, dry-run validation, submission status.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BrokerDeps } from '../broker.js';
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
import type { Submission, SubmissionStatus } from '../journal/submission.js';
import { acceptRequest, jsonBodyOf, prepareFor } from './accept.js';
import { authenticate } from './auth-hook.js';
import { checkWithStore } from './store-check.js';

const MAX_WAIT_SECONDS = 300;

/** A submission as the API shows it. */
export function submissionJson(s: Submission): Record<string, unknown> {
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

function fieldJson(v: FieldValue): unknown {
  return v.kind === 'integer' ? (v.value >= BigInt(Number.MIN_SAFE_INTEGER) && v.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.value) : v.value.toString()) : v.value;
}

/** A point as /validate shows it: values, their InfluxDB types, time in ns (string) and RFC 3339. */
export function pointJson(p: Point): Record<string, unknown> {
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

function parseWait(raw: unknown): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > MAX_WAIT_SECONDS) {
    throw new InvalidRequestError(`wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`, 'wait');
  }
  return n;
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

export function registerIngestRoutes(app: FastifyInstance, deps: BrokerDeps, stamp: AcceptStamp): void {
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

  app.post('/api/v1/metrics', { onRequest, config: perClient }, async (request, reply) => {
    const wait = parseWait((request.query as Record<string, unknown>)['wait']);
    const submission = await acceptRequest(deps, stamp, request);
    const settled = wait > 0 ? await deps.journal.waitSettled(submission.id, wait * 1000) : submission;
    return answerSubmission(reply, settled ?? submission);
  });

  app.post('/api/v1/validate', { onRequest }, async (request, reply) => {
    const prepared = prepareFor(deps, stamp, request.user!, jsonBodyOf(request));
    try {
      await checkWithStore(deps, prepared);
    } catch (err) {
      // Valid on its own but not storable next to what the store holds: same answer as ingest would give.
      if (err instanceof BrokerError) return reply.code(err.status).send({ valid: false, ...errorBody(err) });
      throw err;
    }
    return {
      valid: true,
      metric: prepared.metric.name,
      api_version: prepared.version,
      database: prepared.database,
      points: prepared.points.map(pointJson),
      duplicates: prepared.duplicates,
      duplicate_items: prepared.duplicateItems,
      line_protocol: prepared.lines,
    };
  });

  /** A submission the caller may see: one of a metric they may write (others look absent). */
  const visible = (request: FastifyRequest, raw: string): Submission => {
    const s = /^\d{1,15}$/.test(raw) ? deps.journal.get(Number(raw)) : undefined;
    if (!s || !deps.users.mayWrite(request.user!, s.metric)) throw new NotFoundError(`submission ${raw}`);
    return s;
  };

  app.get('/api/v1/submissions/:id', { onRequest }, async (request) => {
    return submissionJson(visible(request, (request.params as { id: string }).id));
  });

  app.get('/api/v1/submissions', { onRequest }, async (request) => {
    const q = request.query as Record<string, string | undefined>;
    const status = q['status'];
    if (status !== undefined && !['pending', 'delivered', 'rejected'].includes(status)) {
      throw new InvalidRequestError('status must be pending, delivered or rejected', 'status');
    }
    const limit = q['limit'] === undefined ? 100 : Number(q['limit']);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidRequestError('limit must be 1..1000', 'limit');
    const rawBefore = q['before'];
    if (rawBefore !== undefined && !/^\d{1,15}$/.test(rawBefore)) throw new InvalidRequestError('before must be a submission id', 'before');
    // Newest first, only metrics the caller may write: page through until the limit is filled.
    const user = request.user!;
    const list: Submission[] = [];
    let beforeId = rawBefore === undefined ? undefined : Number(rawBefore);
    for (;;) {
      const page = deps.journal.list({ status: status as SubmissionStatus | undefined, limit, beforeId });
      for (const s of page) if (list.length < limit && deps.users.mayWrite(user, s.metric)) list.push(s);
      if (page.length < limit || list.length >= limit) break;
      beforeId = page[page.length - 1]!.id;
    }
    return { submissions: list.map(submissionJson), counts: deps.journal.counts() };
  });

  app.post('/api/v1/submissions/:id/retry', { onRequest }, async (request) => {
    const s = visible(request, (request.params as { id: string }).id);
    if (!deps.journal.retry(s.id)) throw new InvalidRequestError(`submission ${s.id} is ${s.status}, only rejected ones can be retried`);
    return submissionJson(deps.journal.get(s.id)!);
  });
}
