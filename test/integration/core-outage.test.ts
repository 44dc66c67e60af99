// InfluxDB stopped while payloads arrive: the broker keeps accepting (202), reports the sink down on
// /readyz, and once InfluxDB is back every accepted point lands exactly once. Back-pressure: 503.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type InProcessBroker, startBrokerInProcess } from '../helpers/broker.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { waitFor } from '../helpers/ports.js';
import { type Reply, call, churnPayload, isErrorBody } from '../helpers/core-support.js';

function defectsPayload(status: string): unknown {
  return {
    api_version: '1.0',
    metadata: { metrics: 'tfa_defects_tracking' },
    data: [{ measurement: 'TFA_Defects_Tracking', fields: { Issue_Status: status, Number_of_Defects: 1 }, tags: { Measured_Date: 'outage' } }],
  };
}

async function count(influx: Influx, db: string, q: string): Promise<number> {
  const rows = await influx.rows(db, q);
  return rows.length === 0 ? 0 : Number(Object.values(rows[0]!).find((v, i) => i > 0 && typeof v === 'number') ?? 0);
}

describe('InfluxDB outage', { timeout: 120_000 }, () => {
  let influx: Influx;
  let broker: InProcessBroker;
  let small: InProcessBroker;
  const acceptedIds: number[] = [];
  const N = 40;

  const post = (b: InProcessBroker, body: unknown, url = '/api/v1/metrics'): Promise<Reply> => call(b.app, 'POST', url, { token: b.token('ci'), body });

  before(async () => {
    influx = await startInflux();
    broker = await startBrokerInProcess({ QMB_INFLUX_URL: influx.url });
    small = await startBrokerInProcess({ QMB_INFLUX_URL: influx.url, QMB_JOURNAL_MAX_POINTS: '10' });
  });

  after(async () => {
    await small?.close();
    await broker?.close();
    await influx?.stop();
  });

  it('/readyz is 200 with the sink up', async () => {
    const res = await call(broker.app, 'GET', '/readyz');
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.ready, true);
    assert.equal(res.json.checks.sink.ok, true);
    assert.equal(res.json.checks.journal.ok, true);
  });

  it('with InfluxDB stopped, payloads are still accepted (202) and /readyz reports the sink down', async () => {
    await influx.pause();
    await waitFor(async () => (await call(broker.app, 'GET', '/readyz')).status === 503, 10_000, '/readyz to report 503');
    const ready = await call(broker.app, 'GET', '/readyz');
    assert.equal(ready.json.ready, false);
    assert.equal(ready.json.checks.sink.ok, false);
    assert.equal(ready.json.checks.journal.ok, true);
    assert.equal(typeof ready.json.checks.sink.detail, 'string');

    for (let i = 0; i < N; i++) {
      const res = await post(broker, churnPayload(i, `2021-06-01T00:00:${String(i).padStart(2, '0')}Z`, 'outage'));
      assert.equal(res.status, 202, res.body);
      assert.equal(res.json.status, 'pending');
      assert.equal(res.headers['x-submission-id'], String(res.json.id));
      assert.equal(res.headers['location'], `/api/v1/submissions/${res.json.id}`);
      acceptedIds.push(res.json.id);
      if (i === N / 2) {
        // bad input in between costs nothing of the rest
        const bad = await post(broker, churnPayload('not a number', '2021-06-01T00:00:00Z', 'outage'));
        assert.equal(bad.status, 400);
        const bad2 = await post(broker, churnPayload(1, 'not a time', 'outage'));
        assert.equal(bad2.status, 400);
      }
    }
    for (let i = 0; i < 10; i++) {
      const res = await post(broker, defectsPayload(`status-${i}`), '/');
      assert.equal(res.status, 204, res.body);
      acceptedIds.push(Number(res.headers['x-submission-id']));
    }
  });

  it('pending submissions show their failed attempts and last error', async () => {
    const first = acceptedIds[0]!;
    await waitFor(async () => (await call(broker.app, 'GET', `/api/v1/submissions/${first}`, { token: broker.token() })).json.attempts > 0, 15_000, 'a failed attempt');
    const res = await call(broker.app, 'GET', `/api/v1/submissions/${first}`, { token: broker.token() });
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'pending');
    assert.equal(typeof res.json.last_error, 'string');
  });

  it('the journal refuses new payloads with 503 and Retry-After past QMB_JOURNAL_MAX_POINTS', async () => {
    let i = 0;
    let res: Reply;
    for (;;) {
      res = await post(small, churnPayload(i, `2021-07-01T00:00:${String(i).padStart(2, '0')}Z`, 'backpressure'));
      if (res.status !== 202) break;
      i++;
      assert.ok(i <= 10, 'no more than the limit is accepted');
    }
    assert.equal(i, 10, 'exactly the limit is accepted');
    assert.equal(res.status, 503, res.body);
    assert.ok(Number(res.headers['retry-after']) > 0, 'Retry-After');
    assert.ok(isErrorBody(res.json, 503), res.body);
    const legacy = await post(small, churnPayload(99, '2021-07-01T00:01:00Z', 'backpressure'), '/');
    assert.equal(legacy.status, 503, legacy.body);
    assert.ok(Number(legacy.headers['retry-after']) > 0);
  });

  it('after InfluxDB restarts, every accepted point lands exactly once and /readyz is 200 again', async () => {
    await influx.start();
    await waitFor(() => broker.deps.journal.pendingSubmissions === 0 && small.deps.journal.pendingSubmissions === 0, 60_000, 'the journals to drain');
    for (const id of acceptedIds) {
      const s = await call(broker.app, 'GET', `/api/v1/submissions/${id}`, { token: broker.token() });
      assert.equal(s.json.status, 'delivered', `submission ${id}`);
    }
    assert.equal(await count(influx, 'TFA_CodeChurn', `SELECT COUNT("Lines_of_Change") FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'outage'`), N);
    assert.equal(await count(influx, 'TFA_Defects', `SELECT COUNT("Number_of_Defects") FROM "TFA_Defects_Tracking" WHERE "Measured_Date" = 'outage'`), 10);
    const sum = await influx.rows('TFA_CodeChurn', `SELECT SUM("Lines_of_Change") FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'outage'`);
    assert.equal(sum[0]!['sum'], (N * (N - 1)) / 2, 'each value once');
    assert.equal(await count(influx, 'TFA_CodeChurn', `SELECT COUNT("Lines_of_Change") FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'backpressure'`), 10);
    await waitFor(async () => (await call(broker.app, 'GET', '/readyz')).status === 200, 10_000, '/readyz 200');
  });

  it('once drained, the small journal accepts again', async () => {
    const res = await post(small, churnPayload(1, '2021-07-02T00:00:00Z', 'backpressure-after'));
    assert.equal(res.status, 202, res.body);
  });
});
