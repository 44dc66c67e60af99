// Refusals at the door: 413 body limit, 415 content type, 403 metric permission, 429 login rate limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InProcessBroker } from '../helpers/broker.js';
import type { Influx } from '../helpers/influxd.js';
import { withInfluxBroker } from '../helpers/influx-broker.js';
import { waitFor } from '../helpers/ports.js';
import { type Reply, call, churnPayload, isErrorBody, loadFixtures } from '../helpers/core-support.js';

describe('limits and permissions', { timeout: 60_000 }, () => {
  let influx: Influx;
  let broker: InProcessBroker;
  const LIMIT = 2048;

  withInfluxBroker('in-process', { env: { QMB_MAX_BODY_BYTES: String(LIMIT), QMB_AUTH_RATE_LIMIT: '3' } }, (s) => ({ influx, broker } = s));

  const accepted = async (): Promise<number> => Object.values(await broker.deps.journal.counts()).reduce((a, b) => a + b, 0);

  it('a body over QMB_MAX_BODY_BYTES gets 413 on both ingest routes and on validate', async () => {
    const big = churnPayload(1, '2021-01-01T00:00:00Z', 'big', { Padding: 'x'.repeat(LIMIT) });
    const before = (await accepted());
    for (const route of ['/api/v1/metrics', '/', '/api/v1/validate']) {
      const res = await call(broker.app, 'POST', route, { token: broker.token(), body: big });
      assert.equal(res.status, 413, `${route}: ${res.body}`);
      assert.ok(isErrorBody(res.json, 413), `${route}: ${res.body}`);
    }
    const small = await call(broker.app, 'POST', '/api/v1/metrics', { token: broker.token(), body: churnPayload(1, '2021-01-01T00:00:00Z', 'small') });
    assert.equal(small.status, 202, small.body);
    assert.equal((await accepted()), before + 1);
  });

  it('a body that is not JSON by content type gets 415', async () => {
    const text = JSON.stringify(churnPayload(1, '2021-01-01T00:00:00Z', 'text-plain'));
    for (const route of ['/api/v1/metrics', '/', '/api/v1/validate']) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
        const res = await call(broker.app, 'POST', route, { token: broker.token(), body: text, contentType: type });
        assert.equal(res.status, 415, `${route} ${type}: ${res.body}`);
        assert.ok(isErrorBody(res.json, 415), `${route} ${type}: ${res.body}`);
      }
    }
    const withCharset = await call(broker.app, 'POST', '/api/v1/metrics', { token: broker.token(), body: text, contentType: 'application/json; charset=utf-8' });
    assert.equal(withCharset.status, 202, withCharset.body);
  });

  it('a user may only write the metrics they are allowed: 403 for tfa posting tfm_*', async () => {
    const before = (await accepted());
    const tfm = loadFixtures().filter((t) => t.metric.startsWith('tfm_'));
    assert.equal(tfm.length, 4);
    for (const table of tfm) {
      for (const route of ['/api/v1/metrics', '/']) {
        const res = await call(broker.app, 'POST', route, { token: broker.token('tfa'), body: table.valid[0]!.text });
        assert.equal(res.status, 403, `${route} ${table.metric}: ${res.body}`);
        assert.ok(isErrorBody(res.json, 403), res.body);
      }
    }
    assert.equal((await accepted()), before, 'nothing journaled');
    const ok = await call(broker.app, 'POST', '/api/v1/metrics', { token: broker.token('tfa'), body: churnPayload(1, '2021-01-01T00:00:00Z', 'tfa-user') });
    assert.equal(ok.status, 202, ok.body);
  });

  it('POST /auth answers 429 with Retry-After after QMB_AUTH_RATE_LIMIT attempts', async () => {
    const statuses: number[] = [];
    let last: Reply | undefined;
    for (let i = 0; i < 5; i++) {
      last = await call(broker.app, 'POST', '/auth', { body: { username: 'ci', password: 'wrong' } });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
    assert.ok(Number(last!.headers['retry-after']) > 0, `Retry-After: ${String(last!.headers['retry-after'])}`);
    assert.ok(isErrorBody(last!.json, 429), last!.body);
    // even good credentials are refused while limited
    const good = await call(broker.app, 'POST', '/auth', { body: { username: 'ci', password: 'ci-password-1' } });
    assert.equal(good.status, 429);
  });

  it('the points accepted in this file land', async () => {
    await waitFor(() => broker.deps.journal.pendingSubmissions === 0, 15_000, 'delivery');
    const rows = await influx.rows('TFA_CodeChurn', `SELECT * FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'small' OR "Target_Tag" = 'text-plain' OR "Target_Tag" = 'tfa-user'`);
    assert.equal(rows.length, 3);
  });
});
