// The regression gate over HTTP: POST /api/v1/checks runs a check, GET reads recorded ones, and the budgets schema.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { type BrokerDeps, createReadStore } from '../broker.js';
import { budgetsJsonSchema } from '../check/budgets-schema.js';
import { validateBudgets } from '../check/budgets.js';
import { ReadStoreCheckSource } from '../check/check-source.js';
import { CHECK_LIST_DEFAULTS } from '../check/check-store.js';
import { runCheck } from '../check/engine.js';
import { type HeadMetric, headFromPayloads, headFromRevision } from '../check/head.js';
import { seriesHistory } from '../check/history.js';
import { previousRevisions } from '../check/previous.js';
import { CheckResultSchema, VERDICTS } from '../check/result.js';
import { parseWaivers } from '../check/waivers.js';
import { ForbiddenMetricError, InvalidRequestError, NotFoundError } from '../errors.js';
import { JsonBody, type LosslessValue } from '../ingest/json.js';
import { StringEnum } from '../metrics/gate-config.js';
import type { ReadStore } from '../read/read-store.js';
import { jsonBodyOf } from './accept.js';
import { errors } from '../contract/common.js';
import { authenticate } from './auth-hook.js';
import { PARAMETERS_VALIDATOR } from './validation.js';

const Revision = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });

const HeadPayloads = Type.Object(
  {
    payloads: Type.Array(Type.Unknown({ description: 'a payload as POST /api/v1/metrics takes it' }), {
      minItems: 1,
      description: 'the metrics of the change, not yet stored; validated and converted as POST /api/v1/metrics would',
    }),
  },
  { additionalProperties: false },
);
const HeadRevision = Type.Object(
  { revision: Type.String({ ...Revision, description: 'compare what the broker already holds for this revision' }) },
  { additionalProperties: false },
);

const BaselineRevisions = Type.Object(
  {
    revisions: Type.Array(Revision, {
      maxItems: 1000,
      description: 'candidate revisions, newest first: per series the first one that holds it is the baseline',
    }),
  },
  { additionalProperties: false },
);
const BaselinePrevious = Type.Object(
  {
    previous: Type.Literal(true, {
      description: 'per measurement of the head, the newest revision stored from before it (the change a push makes; qmb push prints it)',
    }),
  },
  { additionalProperties: false },
);

/** The body of POST /api/v1/checks. `head` is one of two shapes (oneOf: the errors name the closer one). */
export const CheckRequestSchema = Type.Object(
  {
    head: Type.Unsafe<Static<typeof HeadPayloads> | Static<typeof HeadRevision>>({ oneOf: [HeadPayloads, HeadRevision] }),
    baseline: Type.Unsafe<Static<typeof BaselineRevisions> | Static<typeof BaselinePrevious>>({ oneOf: [BaselineRevisions, BaselinePrevious] }),
    budgets: Type.Optional(
      Type.Unknown({ description: 'a budgets document (GET /api/v1/checks/budgets.schema.json); its problems are BUDGETS_INVALID at /budgets/...' }),
    ),
    waivers: Type.Optional(
      Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 1000, description: '"<metric> <series glob>: <reason>", as after Quality-Waiver: in a commit message' }),
    ),
    record: Type.Boolean({ description: 'keep the result (GET /api/v1/checks/{id}); needs a user that may write every metric of the head' }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        head: {
          payloads: [
            {
              api_version: '1.0',
              metadata: { metrics: 'tfa_code_churn' },
              data: [
                {
                  measurement: 'TFA_CodeChurn_Tracking',
                  tags: { Git_Tag_Date: 20210301, Base_Tag: 'v2.4', Target_Tag: 'v2.5' },
                  fields: { Lines_of_Change: 9 },
                  time: '2021-03-01T00:00:00Z',
                },
              ],
            },
          ],
        },
        baseline: { revisions: ['v2.4'] },
        record: false,
      },
    ],
  },
);
export type CheckRequestBody = Static<typeof CheckRequestSchema>;


const CheckSummarySchema = Type.Composite([Type.Omit(CheckResultSchema, ['id', 'rows']), Type.Object({ id: Type.Integer() })], {
  additionalProperties: false,
});

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, description: 'the id a recorded check was given', examples: [1] }) }, { additionalProperties: false });

const ListQuery = Type.Object(
  {
    revision: Type.Optional(Type.String({ minLength: 1, description: 'checks whose head carries this revision' })),
    verdict: Type.Optional(StringEnum(VERDICTS)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: CHECK_LIST_DEFAULTS.maxLimit, default: CHECK_LIST_DEFAULTS.limit, description: 'newest first, at most this many' })),
  },
  { additionalProperties: false },
);

// A check's body is validated by its route (the app's validator leaves bodies to the metric
// registry): every problem reported, nothing dropped or coerced. `verbose` gives the error
// details the schemas, for "did you mean" hints. Query strings and paths as on every route.
const bodyAjv = new Ajv({ allErrors: true, strict: false, verbose: true });
const compile = (def: FastifyRouteSchemaDef<unknown>) => (def.httpPart === 'body' ? bodyAjv.compile(def.schema as TSchema) : PARAMETERS_VALIDATOR(def));

const HistoryQuery = Type.Object(
  {
    row: Type.Integer({ minimum: 0, description: 'the index of the row in the check\'s rows', examples: [0] }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'at most this many revisions, the newest' })),
  },
  { additionalProperties: false },
);

const HistoryPointSchema = Type.Object(
  {
    revision: Type.String({ description: 'the revision tag\'s value (the snapshot, or the time, for metrics without one)' }),
    time: Type.String({ description: 'the revision\'s first point, nanoseconds since the epoch' }),
    title: Type.Optional(Type.String({ description: 'the commit title' })),
    value: Type.Number({ description: 'the value a check compares: the newest sample, or the median of the samples (runtime instrumentation)' }),
    min: Type.Number(),
    max: Type.Number(),
    samples: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

/** The answer of GET /api/v1/checks/{id}/history: a row's series over the stored revisions, with the check's base and head. */
export const CheckHistorySchema = Type.Object(
  {
    check: Type.Integer(),
    row: Type.Integer(),
    metric: Type.String(),
    series: Type.Record(Type.String(), Type.String()),
    revision_tag: Type.Union([Type.String(), Type.Null()]),
    points: Type.Array(HistoryPointSchema),
    base: Type.Union([Type.Object({ revision: Type.String(), value: Type.Union([Type.Number(), Type.Null()]) }, { additionalProperties: false }), Type.Null()], {
      description: 'the baseline revision of the row and its value; null when the row has none',
    }),
    head: Type.Union(
      [
        Type.Object(
          {
            revision: Type.Union([Type.String(), Type.Null()]),
            value: Type.Union([Type.Number(), Type.Null()]),
            stored: Type.Boolean({ description: 'the head revision is among the points (its data was pushed)' }),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { description: 'the head value of the row; null for a removed series' },
    ),
    truncated: Type.Boolean(),
  },
  { additionalProperties: false },
);

/** The head's payloads with the number literals they were written with (5 and 5.0 differ in the store). */
function payloadBodies(body: JsonBody): JsonBody[] {
  const tree = body.lossless() as { head: { payloads: LosslessValue[] } };
  return tree.head.payloads.map((p) => JsonBody.fromLossless(p));
}

/** Registers the check routes; `store` defaults to the one matching deps.sink. */
export function registerCheckRoutes(app: FastifyInstance, deps: BrokerDeps, store: ReadStore = createReadStore(deps)): void {
  const source = new ReadStoreCheckSource(store);
  const auth = authenticate(deps.tokens, deps.users);
  // Reading recorded checks is reading: any valid token, or none when the operator opened reading.
  const readAuth = async (request: FastifyRequest): Promise<void> => {
    if (!deps.config.publicRead) await auth(request);
  };
  const bodies = new WeakMap<FastifyRequest, JsonBody>();

  app.post(
    '/api/v1/checks',
    {
      onRequest: auth,
      // The JSON parser keeps number literals (JsonBody); the schema is checked on the plain tree.
      preValidation: (request, _reply, done) => {
        const parsed = jsonBodyOf(request);
        bodies.set(request, parsed);
        request.body = parsed.plain;
        done();
      },
      validatorCompiler: compile,
      schema: {
        tags: ['checks'],
        summary: 'Check a change against its baseline (and record the result)',
        description:
          'Compares the head (payloads not yet stored, or a stored revision) with the first baseline candidate holding each series, judges every row by the builtin rules and the budgets, applies waivers. Any valid token may check; recording needs a user that may write every metric of the head (403 METRIC_FORBIDDEN). See docs/gate.md.',
        security: [{ jwt: [] }],
        body: CheckRequestSchema,
        response: { 200: CheckResultSchema, ...errors([400, 401, 403, 413, 415], { 403: 'recording needs a user that may write every metric of the head' }) },
      },
    },
    async (request) => {
      const body = request.body as CheckRequestBody;
      const user = request.user!;
      const waivers = parseWaivers(body.waivers ?? [], '/waivers');
      // A copy: the plain tree turns into the literal-keeping one below, the compiled rules keep theirs.
      const budgets = body.budgets === undefined ? undefined : validateBudgets(structuredClone(body.budgets), { registry: deps.registry, pointerPrefix: '/budgets' });
      const mayRecord = (metric: string, path: string): void => {
        if (body.record && !deps.users.mayWrite(user, metric)) throw new ForbiddenMetricError(user.name, metric, path);
      };
      let head: HeadMetric[];
      if ('payloads' in body.head) {
        const payloads = payloadBodies(bodies.get(request) as JsonBody);
        head = headFromPayloads(payloads, deps.registry, BigInt(deps.clock.now()) * 1_000_000n, { authorize: (m) => mayRecord(m.name, '/metadata/metrics') });
      } else {
        const revision = body.head.revision;
        head = await headFromRevision(source, deps.registry, revision);
        if (head.length === 0) {
          const tagged = deps.registry.all().filter((m) => m.gate.revisionTag !== undefined && m.gate.kind !== 'none').map((m) => m.name);
          throw new InvalidRequestError(`the broker holds no points of revision "${revision}" (looked in ${tagged.join(', ')})`, '/head/revision');
        }
        for (const h of head) mayRecord(h.metric.name, '/head/revision');
      }
      const candidates = 'previous' in body.baseline ? await previousRevisions(head, source) : [...body.baseline.revisions];
      const result = await runCheck({ head, candidates, budgets, waivers, now: new Date(deps.clock.now()) }, source);
      return body.record ? deps.checks.save(result) : result;
    },
  );

  app.get(
    '/api/v1/checks/budgets.schema.json',
    {
      schema: {
        tags: ['checks'],
        summary: 'The JSON Schema of budgets files (qmb check --budgets)',
        description: 'Editors can validate a budgets file with it: `# yaml-language-server: $schema=<broker>/api/v1/checks/budgets.schema.json`. No token needed.',
        response: { 200: Type.Unsafe({ type: 'object', additionalProperties: true, description: 'a draft-07 JSON Schema' }), ...errors([]) },
      },
    },
    () => budgetsJsonSchema(),
  );

  app.get(
    '/api/v1/checks/:id',
    {
      onRequest: readAuth,
      validatorCompiler: compile,
      schema: {
        tags: ['checks'],
        summary: 'A recorded check, with its rows',
        security: [{ jwt: [] }, {}],
        params: IdParams,
        response: { 200: CheckResultSchema, ...errors([400, 401, 404]) },
      },
    },
    async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const found = await deps.checks.get(id);
      if (!found) throw new NotFoundError(`check ${id}`);
      return found;
    },
  );

  app.get(
    '/api/v1/checks/:id/history',
    {
      onRequest: readAuth,
      validatorCompiler: compile,
      schema: {
        tags: ['checks'],
        summary: 'The stored history of one row\'s series, with the check\'s base and head',
        description:
          'The values of the series at every stored revision (at most `limit`, the newest), found by the same identity rule the check used: image totals derived, complexity locations without their line, runtime samples as their median with the smallest and largest. The dashboard draws it on a check\'s page.',
        security: [{ jwt: [] }, {}],
        params: IdParams,
        querystring: HistoryQuery,
        response: { 200: CheckHistorySchema, ...errors([400, 401, 404]) },
      },
    },
    async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const q = request.query as Static<typeof HistoryQuery>;
      const found = await deps.checks.get(id);
      if (!found) throw new NotFoundError(`check ${id}`);
      const row = found.rows[q.row];
      if (!row) throw new InvalidRequestError(`check ${id} has ${found.rows.length} rows: row must be 0..${found.rows.length - 1}`, 'row');
      const metric = deps.registry.get(row.metric);
      if (!metric) throw new NotFoundError(`metric ${row.metric}`);
      const { points, truncated } = await seriesHistory(metric, row.series, source, q.limit ?? 100);
      const revisions = new Set(points.map((p) => p.revision));
      const stored = found.head.revisions.find((r) => revisions.has(r));
      const headRevision = stored ?? (found.head.revisions.length === 1 ? (found.head.revisions[0] ?? null) : null);
      return {
        check: id,
        row: q.row,
        metric: row.metric,
        series: row.series,
        revision_tag: metric.gate.revisionTag ?? null,
        points,
        base: row.baseline_revision === null ? null : { revision: row.baseline_revision, value: row.base },
        head: row.head === null ? null : { revision: headRevision, value: row.head, stored: stored !== undefined },
        truncated,
      };
    },
  );

  app.get(
    '/api/v1/checks',
    {
      onRequest: readAuth,
      validatorCompiler: compile,
      schema: {
        tags: ['checks'],
        summary: 'Recorded checks without their rows, newest first',
        security: [{ jwt: [] }, {}],
        querystring: ListQuery,
        response: { 200: Type.Object({ checks: Type.Array(CheckSummarySchema) }, { additionalProperties: false }), ...errors([400, 401]) },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof ListQuery>;
      return { checks: await deps.checks.list({ revision: q.revision, verdict: q.verdict, limit: q.limit ?? CHECK_LIST_DEFAULTS.limit }) };
    },
  );
}
