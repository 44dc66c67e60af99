// The read API under /api/v1: databases, measurements, tags, fields, series and table rows, from either store.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type BrokerDeps, createReadStore } from '../broker.js';
import { InvalidRequestError } from '../errors.js';
import { type QueryString, measurement, plain, rowsQuery, seriesQuery, tagFilter } from '../read/read-params.js';
import type { ReadStore } from '../read/read-store.js';
import { authenticate } from './auth-hook.js';
import { OPENAPI } from './openapi.js';

/** Registers the read routes; `store` defaults to the one matching deps.sink. */
export function registerReadRoutes(app: FastifyInstance, deps: BrokerDeps, store: ReadStore = createReadStore(deps)): void {
  const auth = authenticate(deps.tokens, deps.users);
  // Reading needs any valid token, unless the operator opened reading to everyone.
  const onRequest = async (request: FastifyRequest): Promise<void> => {
    if (!deps.config.publicRead) await auth(request);
  };
  const q = (request: FastifyRequest): QueryString => request.query as QueryString;
  const db = (request: FastifyRequest): string => plain((request.params as { db: string }).db, 'db');

  app.get('/api/v1/openapi.json', async () => OPENAPI);

  app.get('/api/v1/databases', { onRequest }, async () => ({ databases: await store.databases() }));

  app.get('/api/v1/databases/:db/measurements', { onRequest }, async (request) => ({
    database: db(request),
    measurements: await store.measurements(db(request)),
  }));

  app.get('/api/v1/databases/:db/tags', { onRequest }, async (request) => {
    const m = measurement(q(request), false);
    return { database: db(request), measurement: m ?? null, tag_keys: await store.tagKeys(db(request), m) };
  });

  app.get('/api/v1/databases/:db/tags/:key', { onRequest }, async (request) => {
    const key = plain((request.params as { key: string }).key, 'key');
    const m = measurement(q(request), false);
    const values = await store.tagValues(db(request), key, { measurement: m, where: tagFilter(q(request)) });
    return { database: db(request), measurement: m ?? null, key, values };
  });

  app.get('/api/v1/databases/:db/fields', { onRequest }, async (request) => {
    const m = measurement(q(request), false);
    return { database: db(request), measurement: m ?? null, fields: await store.fieldKeys(db(request), m) };
  });

  app.get('/api/v1/databases/:db/series', { onRequest }, async (request) => {
    const query = seriesQuery(q(request));
    if (query.aggregate && query.aggregate !== 'last') {
      // InfluxDB refuses max/mean/sum of strings and booleans; refuse them the same way on both stores.
      const types = await store.fieldKeys(db(request), query.measurement);
      for (const f of query.fields) {
        const t = types.find((k) => k.field === f)?.type;
        if (t === 'string' || t === 'boolean') {
          throw new InvalidRequestError(`${query.aggregate} needs a numeric field; ${f} holds ${t} values`, 'field');
        }
      }
    }
    const { series, truncated } = await store.seriesAnswer(db(request), query);
    return {
      database: db(request),
      measurement: query.measurement,
      fields: query.fields,
      aggregate: query.aggregate ?? null,
      interval_seconds: query.intervalSeconds ?? null,
      group_by: query.groupBy ?? null,
      series,
      // A series group had more rows than the limit (given, or DEFAULTS.limit): only the first ones are here.
      truncated,
    };
  });

  app.get('/api/v1/databases/:db/rows', { onRequest }, async (request) => {
    const query = rowsQuery(q(request));
    const { rows, truncated } = await store.rowsAnswer(db(request), query);
    // More points matched than the limit (given, or DEFAULTS.limit): only the first ones are here.
    return { database: db(request), measurement: query.measurement, rows, truncated };
  });
}
