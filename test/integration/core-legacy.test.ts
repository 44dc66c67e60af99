// The older broker's routes keep their status codes and bodies: GET /, POST /auth, POST /.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type InProcessBroker, TEST_USERS } from '../helpers/broker.js';
import type { Influx } from '../helpers/influxd.js';
import { withInfluxBroker } from '../helpers/influx-broker.js';
import { waitFor } from '../helpers/ports.js';
import { type Reply, call, churnPayload, isErrorBody, loadFixtures } from '../helpers/core-support.js';

const CHALLENGE = 'JWT realm="Login Required"';

describe('legacy routes', { timeout: 60_000 }, () => {
  let influx: Influx;
  let broker: InProcessBroker;
  const requestIds: string[] = [];

  /** Every request of this file goes through here, so X-Request-Id can be checked on all. */
  async function req(...args: Parameters<typeof call>): Promise<Reply> {
    const res = await call(...args);
    const id = res.headers['x-request-id'];
    assert.equal(typeof id, 'string', `X-Request-Id on ${args[1]} ${args[2]} (${res.status})`);
    requestIds.push(id as string);
    return res;
  }

  function assertAuthError(res: Reply, what: string): void {
    assert.equal(res.status, 401, `${what}: ${res.body}`);
    assert.equal(res.headers['www-authenticate'], CHALLENGE, `${what}: WWW-Authenticate`);
    assert.equal(typeof res.json.description, 'string', `${what}: description`);
    assert.equal(typeof res.json.error, 'string', `${what}: error`);
    assert.equal(res.json.status_code, 401, `${what}: status_code`);
    assert.ok(isErrorBody(res.json, 401), `${what}: data/error_code/code/errors in ${res.body}`);
  }

  withInfluxBroker('in-process', { env: { QMB_AUTH_RATE_LIMIT: '1000' } }, (s) => ({ influx, broker } = s));

  it('GET / answers the info document', async () => {
    const res = await req(broker.app, 'GET', '/');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { type: 'INFO', data: 'Quality Metrics' });
  });

  it('POST /auth with good credentials answers an access token that POST / accepts', async () => {
    const ci = TEST_USERS.find((u) => u.name === 'ci')!;
    const res = await req(broker.app, 'POST', '/auth', { body: { username: ci.name, password: ci.password } });
    assert.equal(res.status, 200, res.body);
    assert.equal(typeof res.json.access_token, 'string');
    assert.deepEqual(Object.keys(res.json), ['access_token']);
    const post = await req(broker.app, 'POST', '/', { token: res.json.access_token, body: churnPayload(1, '2021-01-01T00:00:00Z', 'auth-token') });
    assert.equal(post.status, 204, post.body);
  });

  it('POST /auth refuses bad or missing credentials with the older body', async () => {
    const ci = TEST_USERS.find((u) => u.name === 'ci')!;
    const cases: [string, unknown][] = [
      ['wrong password', { username: ci.name, password: 'not-the-password' }],
      ['unknown user', { username: 'nobody', password: 'whatever' }],
      ['no password', { username: ci.name }],
      ['empty object', {}],
      ['password not a string', { username: ci.name, password: 12345 }],
    ];
    for (const [what, body] of cases) {
      const res = await req(broker.app, 'POST', '/auth', { body });
      assert.equal(res.status, 401, `${what}: ${res.body}`);
      assert.equal(res.json.description, 'Invalid credentials', what);
      assert.equal(res.json.error, 'Bad Request', what);
      assert.equal(res.json.status_code, 401, what);
      assert.ok(isErrorBody(res.json, 401), `${what}: ${res.body}`);
    }
  });

  it('POST / answers 204 without a body and the points land', async () => {
    const res = await req(broker.app, 'POST', '/', { token: broker.token('ci'), body: churnPayload(204, '2021-02-03T04:05:06Z', 'legacy-204') });
    assert.equal(res.status, 204);
    assert.equal(res.body, '');
    assert.match(String(res.headers['x-submission-id']), /^\d+$/);
    await waitFor(
      async () => (await influx.rows('TFA_CodeChurn', `SELECT * FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'legacy-204'`)).length === 1,
      15_000,
      'the legacy payload in InfluxDB',
    );
    const rows = await influx.rows('TFA_CodeChurn', `SELECT * FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'legacy-204'`);
    assert.equal(rows[0]!['Lines_of_Change'], 204);
    assert.equal(rows[0]!['time'], '2021-02-03T04:05:06Z');
  });

  it('every invalid fixture is refused (400 on /api/v1/metrics, 400 or envelope 401 on POST /), naming the fixture paths', async () => {
    for (const table of loadFixtures()) {
      for (const c of table.invalid) {
        // An envelope problem (metric name, api_version) keeps the older broker's 401 on POST /.
        const meta = c.payload['metadata'] as Record<string, unknown> | undefined;
        const envelope = typeof c.payload['api_version'] !== 'string' || typeof meta?.['metrics'] !== 'string';
        // Fixtures that name another metric are checked against that metric's schema: other paths.
        const samePaths = meta?.['metrics'] === table.metric;
        const res = await req(broker.app, 'POST', '/', { token: broker.token('ci'), body: c.text });
        assert.equal(res.status, envelope ? 401 : 400, `${table.metric} / ${c.name}: ${res.body}`);
        assert.ok(isErrorBody(res.json, res.status), `${table.metric} / ${c.name}: ${res.body}`);
        const v1 = await req(broker.app, 'POST', '/api/v1/metrics', { token: broker.token('ci'), body: c.text });
        assert.equal(v1.status, 400, `/api/v1/metrics ${table.metric} / ${c.name}: ${v1.body}`);
        assert.ok(isErrorBody(v1.json, 400), `${table.metric} / ${c.name}: ${v1.body}`);
        const paths = (v1.json.errors as { path: string }[]).map((e) => e.path);
        for (const p of samePaths ? (c.paths ?? []) : []) assert.ok(paths.includes(p), `${table.metric} / ${c.name}: ${p} in ${JSON.stringify(paths)}`);
        assert.deepEqual((res.json.errors as { path: string }[]).map((e) => e.path), paths, `${table.metric} / ${c.name}: same errors on both routes`);
      }
    }
  });

  it('POST / answers 401 for a missing metric name or version, an unknown metric and an unsupported version', async () => {
    const good = churnPayload(1, '2021-01-01T00:00:00Z') as Record<string, unknown>;
    const cases: [string, unknown, string][] = [
      ['no metadata.metrics', { ...good, metadata: {} }, '/metadata/metrics'],
      ['no metadata', { api_version: '1.0', data: good['data'] }, '/metadata'],
      ['no api_version', { metadata: good['metadata'], data: good['data'] }, '/api_version'],
      ['unknown metric', { ...good, metadata: { metrics: 'no_such_metric' } }, '/metadata/metrics'],
      ['unsupported version', { ...good, api_version: '9.9' }, '/api_version'],
    ];
    for (const [what, body, path] of cases) {
      const res = await req(broker.app, 'POST', '/', { token: broker.token('ci'), body });
      assert.equal(res.status, 401, `${what}: ${res.body}`);
      assert.ok(isErrorBody(res.json, 401), `${what}: ${res.body}`);
      assert.ok((res.json.errors as { path: string }[]).some((e) => e.path === path), `${what}: error at ${path} in ${res.body}`);
    }
  });

  it('POST / answers 401 with the JWT challenge for missing and malformed tokens', async () => {
    const body = churnPayload(1, '2021-01-01T00:00:00Z');
    assertAuthError(await req(broker.app, 'POST', '/', { body }), 'no Authorization header');
    assertAuthError(await req(broker.app, 'POST', '/', { body, token: 'not-a-jwt' }), 'garbage token');
    assertAuthError(await req(broker.app, 'POST', '/', { body, headers: { authorization: 'JWT' } }), 'scheme without token');
    assertAuthError(await req(broker.app, 'POST', '/', { body, headers: { authorization: `Basic ${Buffer.from('ci:ci-password-1').toString('base64')}` } }), 'Basic scheme');
    assertAuthError(await req(broker.app, 'POST', '/api/v1/metrics', { body }), 'no token on /api/v1/metrics');
  });

  it('bodies that are not objects get 400 (never 500); {} gets 400 on the new route and 401 on the legacy one', async () => {
    for (const text of ['[]', '[{"api_version": "1.0"}]', '"a string"', '42', 'null', 'true', '{}', '{"api_version": "1.0", "metadata": {"metrics": "tfa_code_churn"}, "data": {}}']) {
      const v1 = await req(broker.app, 'POST', '/api/v1/metrics', { token: broker.token('ci'), body: text });
      assert.equal(v1.status, 400, `/api/v1/metrics ${text}: ${v1.body}`);
      assert.ok(isErrorBody(v1.json, 400), `/api/v1/metrics ${text}: ${v1.body}`);
      const legacy = await req(broker.app, 'POST', '/', { token: broker.token('ci'), body: text });
      assert.equal(legacy.status, text === '{}' ? 401 : 400, `POST / ${text}: ${legacy.body}`);
      assert.ok(isErrorBody(legacy.json, legacy.status), `POST / ${text}: ${legacy.body}`);
    }
    for (const text of ['{"api_version": ', '{"a": 1,}', '']) {
      const v1 = await req(broker.app, 'POST', '/api/v1/metrics', { token: broker.token('ci'), body: text });
      assert.equal(v1.status, 400, `/api/v1/metrics ${JSON.stringify(text)}: ${v1.body}`);
      assert.ok(isErrorBody(v1.json, 400), v1.body);
    }
  });

  it('unknown routes answer a JSON 404 error body', async () => {
    const res = await req(broker.app, 'GET', '/no/such/route');
    assert.equal(res.status, 404);
    assert.ok(isErrorBody(res.json, 404), res.body);
  });

  it('every response carried a distinct X-Request-Id', () => {
    assert.ok(requestIds.length > 30);
    assert.equal(new Set(requestIds).size, requestIds.length);
  });
});
