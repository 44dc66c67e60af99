// Liveness, readiness and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import type { BrokerDeps } from '../broker.js';

export function registerOpsRoutes(app: FastifyInstance, deps: BrokerDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const journal = deps.journal.check();
    const sink = await deps.sink.ping();
    const ready = journal.ok && sink.ok;
    return reply.code(ready ? 200 : 503).send({
      ready,
      checks: {
        journal: { ...journal, pending_submissions: deps.journal.pendingSubmissions, pending_points: deps.journal.pendingPoints, limit_points: deps.config.journalMaxPoints },
        sink: { ...sink, kind: deps.sink.kind },
      },
    });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.telemetry.registry.metrics();
    return reply.type(deps.telemetry.registry.contentType).send(text);
  });
}
