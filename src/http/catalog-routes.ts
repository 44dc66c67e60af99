// What the broker knows: its metrics, their versions, target databases and schemas.
import type { FastifyInstance } from 'fastify';
import type { BrokerDeps } from '../broker.js';
import { NotFoundError } from '../errors.js';

export function registerCatalogRoutes(app: FastifyInstance, deps: BrokerDeps): void {
  app.get('/api/v1/metrics', async () => ({
    metrics: deps.registry.all().map((m) => ({
      name: m.name,
      api_versions: m.versions,
      database: m.database,
      description: m.description,
      field_types: m.fieldTypes,
    })),
  }));

  app.get('/api/v1/metrics/:name/schema', async (request, reply) => {
    const { name } = request.params as { name: string };
    const metric = deps.registry.get(name);
    if (!metric) throw new NotFoundError(`metric ${name}`);
    const version = (request.query as { version?: string }).version ?? metric.versions[metric.versions.length - 1]!;
    const schema = metric.schema(version);
    if (!schema) throw new NotFoundError(`version ${version} of metric ${name} (known: ${metric.versions.join(', ')})`);
    return reply.type('application/schema+json').send(schema);
  });
}
