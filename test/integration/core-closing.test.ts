// Closing: a request that arrives meanwhile gets the broker's own 503 body, with Retry-After; the stop keeps to its timeout on the injected clock.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startBroker } from '../../src/main.js';
import { prepareTestBroker, startBrokerInProcess } from '../helpers/broker.js';
import { freePort } from '../helpers/ports.js';
import { churnPayload, httpCall, isErrorBody } from '../helpers/core-support.js';

describe('closing', () => {
  it('answers 503 SHUTTING_DOWN with Retry-After and the JSON error body', async () => {
    const broker = await startBrokerInProcess({});
    await broker.app.ready();
    const closing = broker.app.close();
    const res = await broker.app.inject({ method: 'GET', url: '/healthz' });
    await closing;
    await broker.close();
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.headers['retry-after'], '5');
    assert.ok(isErrorBody(res.json(), 503), res.body);
    assert.equal(res.json().code, 'SHUTTING_DOWN');
  });
});

describe('graceful stop with the injected clock', () => {
  it('keeps to QMB_SHUTDOWN_TIMEOUT when the clock is far from real time and a submission cannot be delivered', async () => {
    // Nothing listens on this port: every delivery fails, so the submission stays pending until the deadline.
    const setup = await prepareTestBroker({
      QMB_INFLUX_URL: `http://127.0.0.1:${await freePort()}`,
      QMB_SHUTDOWN_TIMEOUT: '1',
      QMB_HOST: '127.0.0.1',
      QMB_PORT: String(await freePort()),
    });
    // A clock a year behind real time, set right once the test has seen what it needs.
    let offsetMs = -365 * 86_400_000;
    const clock = { now: () => Date.now() + offsetMs };
    const running = await startBroker(loadConfig({}, setup.env), { clock });
    try {
      const res = await httpCall(running.url, 'POST', '/api/v1/metrics', { token: setup.token(), body: churnPayload(5, '2020-09-08T00:00:00Z') });
      assert.equal(res.status, 202, res.body);
      const closed = running.close().then(() => 'closed');
      const outcome = await Promise.race([closed, new Promise<string>((r) => setTimeout(r, 15_000, 'still closing after 15 s')).then((s) => s)]);
      offsetMs = 0;
      await closed;
      assert.equal(outcome, 'closed');
      assert.equal(running.deps.journal.pendingSubmissions, 1, 'the undelivered submission stays in the journal');
    } finally {
      offsetMs = 0;
      await running.close();
      rmSync(setup.dataDir, { recursive: true, force: true });
    }
  });
});
