// Liveness, readiness and Prometheus metrics.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { BrokerDeps } from '../broker.js';
import { described, errors } from '../contract/common.js';
import { HealthAnswer, ReadyAnswer } from '../contract/ops.js';

/**
 * The sink is not ready either when every write has failed for QMB_DELIVERY_FAILING_AFTER while
 * submissions wait, even if it answers its ping (an InfluxDB answering 500 to every write).
 */
function delivery(deps: BrokerDeps): { failing_for_seconds: number } | { ok: false; detail: string; failing_for_seconds: number } {
  const { failingSince, lastError } = deps.worker.health();
  const failingFor = failingSince === undefined ? 0 : Math.floor((deps.clock.now() - failingSince) / 1000);
  if (failingSince === undefined || deps.journal.pendingSubmissions === 0 || failingFor < deps.config.deliveryFailingAfter) {
    return { failing_for_seconds: failingFor };
  }
  return {
    ok: false,
    detail: `every write to the store has failed for ${failingFor} s (QMB_DELIVERY_FAILING_AFTER ${deps.config.deliveryFailingAfter} s) with submissions waiting; last error: ${lastError ?? 'unknown'}`,
    failing_for_seconds: failingFor,
  };
}

export function registerOpsRoutes(app: FastifyInstance, deps: BrokerDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/healthz', { schema: { tags: ['ops'], summary: 'Liveness', response: { 200: HealthAnswer, ...errors([]) } } }, () => ({ status: 'ok' as const }));

  const readyz = {
    tags: ['ops'],
    summary: 'Readiness: journal writable, disk room, the store reachable and taking writes',
    response: {
      200: described(ReadyAnswer, 'ready'),
      503: described(ReadyAnswer, 'not ready: the failing check says why'),
      ...errors([]),
    },
  };
  r.get('/readyz', { schema: readyz }, async (_request, reply) => {
    const journal = { ...(await deps.journal.check()), kind: deps.journal.kind };
    const storage = deps.storage.status();
    const sink = { ...(await deps.sink.ping()), ...delivery(deps) };
    const ready = journal.ok && storage.ok && sink.ok;
    return reply.code(ready ? 200 : 503).send({
      ready,
      checks: {
        journal: { ...journal, pending_submissions: deps.journal.pendingSubmissions, pending_points: deps.journal.pendingPoints, limit_points: deps.config.journalMaxPoints },
        storage,
        sink: { ...sink, kind: deps.sink.kind },
      },
    });
  });

  const metrics = {
    tags: ['ops'],
    summary: 'Prometheus metrics',
    response: { 200: { description: 'the text exposition format', content: { 'text/plain': { schema: Type.String() } } }, ...errors([]) },
  };
  r.get('/metrics', { schema: metrics }, async (_request, reply) => {
    const text = await deps.telemetry.registry.metrics();
    return reply.type(deps.telemetry.registry.contentType).send(text);
  });
}
