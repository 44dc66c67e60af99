// Who may read, and the OpenAPI description covering every route the app serves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBroker } from '../helpers/read-setup.js';

describe('read API access and description', () => {
  it('needs a token unless QMB_PUBLIC_READ=1', async () => {
    const closed = await readBroker();
    const open = await readBroker({ publicRead: true });
    try {
      assert.equal((await closed.get('/api/v1/databases', null)).status, 401);
      assert.equal((await closed.get('/api/v1/databases', 'not-a-token')).status, 401);
      assert.equal((await closed.get('/api/v1/databases')).status, 200);
      const anonymous = await open.get('/api/v1/databases', null);
      assert.equal(anonymous.status, 200);
      assert.deepEqual(anonymous.body, { databases: [] });
      // Writing still needs a token when reading is public.
      const res = await open.app.inject({ method: 'GET', url: '/api/v1/submissions' });
      assert.equal(res.statusCode, 401);
    } finally {
      await closed.close();
      await open.close();
    }
  });

  it('openapi.json describes every route, write side too', async () => {
    const broker = await readBroker();
    try {
      const { status, body } = await broker.get('/api/v1/openapi.json', null);
      assert.equal(status, 200);
      const doc = body as { openapi: string; paths: Record<string, Record<string, unknown>> };
      assert.match(doc.openapi, /^3\./);
      const expected: [string, string][] = [
        ['/', 'get'],
        ['/', 'post'],
        ['/auth', 'post'],
        ['/api/v1/metrics', 'post'],
        ['/api/v1/metrics', 'get'],
        ['/api/v1/validate', 'post'],
        ['/api/v1/submissions', 'get'],
        ['/api/v1/submissions/{id}', 'get'],
        ['/api/v1/submissions/{id}/retry', 'post'],
        ['/api/v1/metrics/{name}/schema', 'get'],
        ['/healthz', 'get'],
        ['/readyz', 'get'],
        ['/metrics', 'get'],
        ['/api/v1/databases', 'get'],
        ['/api/v1/databases/{db}/measurements', 'get'],
        ['/api/v1/databases/{db}/series', 'get'],
        ['/api/v1/databases/{db}/rows', 'get'],
      ];
      for (const [p, m] of expected) assert.ok(doc.paths[p]?.[m], `${m.toUpperCase()} ${p} is described`);
      // Every API route the app really has is described (static dashboard files aside).
      const routes = broker.app.printRoutes({ commonPrefix: false });
      for (const p of Object.keys(doc.paths).filter((x) => x !== '/dashboard/')) {
        const fastifyPath = p.replace(/\{(\w+)\}/g, ':$1');
        assert.ok(broker.app.hasRoute({ method: Object.keys(doc.paths[p]!)[0]!.toUpperCase() as 'GET', url: fastifyPath }), `${p} exists\n${routes}`);
      }
    } finally {
      await broker.close();
    }
  });
});
