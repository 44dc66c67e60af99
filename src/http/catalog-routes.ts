// What the broker knows: its metrics, their versions, target databases and schemas.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { BrokerDeps } from '../broker.js';
import { CatalogAnswer, MetricParams, MetricSchemaAnswer, SchemaQuery } from '../contract/catalog.js';
import { errors } from '../contract/common.js';
import { NotFoundError } from '../errors.js';

export function registerCatalogRoutes(app: FastifyInstance, deps: BrokerDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/api/v1/metrics', { schema: { tags: ['catalog'], summary: 'The metrics this broker knows', response: { 200: CatalogAnswer, ...errors([]) } } }, () => ({
    metrics: deps.registry.all().map((m) => ({
      name: m.name,
      api_versions: m.versions,
      database: m.database,
      description: m.description,
      field_types: m.fieldTypes,
    })),
  }));

  r.get(
    '/api/v1/metrics/:name/schema',
    {
      schema: {
        tags: ['catalog'],
        summary: "A metric's JSON Schema",
        params: MetricParams,
        querystring: SchemaQuery,
        response: { 200: { description: "the metric's JSON Schema", content: { 'application/schema+json': { schema: MetricSchemaAnswer } } }, ...errors([404]) },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const metric = deps.registry.get(name);
      if (!metric) throw new NotFoundError(`metric ${name}`);
      const version = request.query.version ?? metric.versions[metric.versions.length - 1]!;
      const schema = metric.schema(version);
      if (!schema) throw new NotFoundError(`version ${version} of metric ${name} (known: ${metric.versions.join(', ')})`);
      return reply.type('application/schema+json').send(schema);
    },
  );
}
