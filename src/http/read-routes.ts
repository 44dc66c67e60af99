// The read API under /api/v1: databases, measurements, tags, fields, series and table rows, from either store.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type BrokerDeps, createReadStore } from '../broker.js';
import { READ_SECURITY, errors } from '../contract/common.js';
import {
  DatabasesAnswer,
  DbParams,
  FieldKeysAnswer,
  MeasurementQuery,
  MeasurementsAnswer,
  RowsAnswerSchema,
  RowsQuerystring,
  SeriesAnswerSchema,
  SeriesQuerystring,
  TagKeyParams,
  TagKeysAnswer,
  TagValuesAnswer,
  TagValuesQuery,
} from '../contract/read.js';
import { InvalidRequestError } from '../errors.js';
import { measurement, rowsQuery, seriesQuery, tagFilter } from '../read/read-params.js';
import type { ReadStore } from '../read/read-store.js';
import { authenticate } from './auth-hook.js';

/** Registers the read routes; `store` defaults to the one matching deps.sink. */
export function registerReadRoutes(app: FastifyInstance, deps: BrokerDeps, store: ReadStore = createReadStore(deps)): void {
  const auth = authenticate(deps.tokens, deps.users);
  // Reading needs any valid token, unless the operator opened reading to everyone.
  const onRequest = async (request: FastifyRequest): Promise<void> => {
    if (!deps.config.publicRead) await auth(request);
  };
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const doc = (summary: string) => ({ tags: ['read'], summary, security: READ_SECURITY });

  r.get(
    '/api/v1/databases',
    { onRequest, schema: { ...doc('Databases that hold points'), response: { 200: DatabasesAnswer, ...errors([401]) } } },
    async () => ({ databases: await store.databases() }),
  );

  r.get(
    '/api/v1/databases/:db/measurements',
    { onRequest, schema: { ...doc('Measurements of a database'), params: DbParams, response: { 200: MeasurementsAnswer, ...errors([400, 401, 404]) } } },
    async (request) => ({ database: request.params.db, measurements: await store.measurements(request.params.db) }),
  );

  r.get(
    '/api/v1/databases/:db/tags',
    {
      onRequest,
      schema: { ...doc('Tag keys, optionally of one measurement'), params: DbParams, querystring: MeasurementQuery, response: { 200: TagKeysAnswer, ...errors([400, 401, 404]) } },
    },
    async (request) => {
      const { db } = request.params;
      const m = measurement(request.query.measurement, false);
      return { database: db, measurement: m ?? null, tag_keys: await store.tagKeys(db, m) };
    },
  );

  r.get(
    '/api/v1/databases/:db/tags/:key',
    {
      onRequest,
      schema: {
        ...doc('Values of one tag, optionally within one measurement and other tag filters'),
        params: TagKeyParams,
        querystring: TagValuesQuery,
        response: { 200: TagValuesAnswer, ...errors([400, 401, 404]) },
      },
    },
    async (request) => {
      const { db, key } = request.params;
      const m = measurement(request.query.measurement, false);
      const values = await store.tagValues(db, key, { measurement: m, where: tagFilter(request.query) });
      return { database: db, measurement: m ?? null, key, values };
    },
  );

  r.get(
    '/api/v1/databases/:db/fields',
    {
      onRequest,
      schema: { ...doc('Field keys with their types'), params: DbParams, querystring: MeasurementQuery, response: { 200: FieldKeysAnswer, ...errors([400, 401, 404]) } },
    },
    async (request) => {
      const { db } = request.params;
      const m = measurement(request.query.measurement, false);
      return { database: db, measurement: m ?? null, fields: await store.fieldKeys(db, m) };
    },
  );

  r.get(
    '/api/v1/databases/:db/series',
    {
      onRequest,
      schema: {
        ...doc('Fields of a measurement over time, raw or aggregated per bucket, grouped by a tag'),
        params: DbParams,
        querystring: SeriesQuerystring,
        response: { 200: SeriesAnswerSchema, ...errors([400, 401, 404]) },
      },
    },
    async (request) => {
      const { db } = request.params;
      const query = seriesQuery(request.query);
      if (query.aggregate && query.aggregate !== 'last') {
        // InfluxDB refuses max/mean/sum of strings and booleans; refuse them the same way on both stores.
        const types = await store.fieldKeys(db, query.measurement);
        for (const f of query.fields) {
          const t = types.find((k) => k.field === f)?.type;
          if (t === 'string' || t === 'boolean') {
            throw new InvalidRequestError(`${query.aggregate} needs a numeric field; ${f} holds ${t} values`, 'field');
          }
        }
      }
      const { series, truncated } = await store.seriesAnswer(db, query);
      return {
        database: db,
        measurement: query.measurement,
        fields: query.fields,
        aggregate: query.aggregate ?? null,
        interval_seconds: query.intervalSeconds ?? null,
        group_by: query.groupBy ?? null,
        series,
        // A series group had more rows than the limit (given, or DEFAULTS.limit): only the first ones are here.
        truncated,
      };
    },
  );

  r.get(
    '/api/v1/databases/:db/rows',
    {
      onRequest,
      schema: { ...doc('Points with all their tags, for tables'), params: DbParams, querystring: RowsQuerystring, response: { 200: RowsAnswerSchema, ...errors([400, 401, 404]) } },
    },
    async (request) => {
      const { db } = request.params;
      const query = rowsQuery(request.query);
      const { rows, truncated } = await store.rowsAnswer(db, query);
      // More points matched than the limit (given, or DEFAULTS.limit): only the first ones are here.
      return { database: db, measurement: query.measurement, rows, truncated };
    },
  );
}
