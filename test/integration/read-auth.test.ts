// Who may read: a token, unless the operator opened reading to everyone (the OpenAPI document: core-openapi.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBroker } from '../helpers/read-setup.js';

describe('read API access', () => {
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
});
