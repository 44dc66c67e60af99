// Start-up against InfluxDB: the broker creates every database its metrics write to, before any write;
// with InfluxDB not yet running it says so once, keeps retrying, and says when it is reachable again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BrokerProcess } from '../helpers/broker.js';
import type { Influx } from '../helpers/influxd.js';
import { withInfluxBroker } from '../helpers/influx-broker.js';
import { waitFor } from '../helpers/ports.js';
import { SPEC_DATABASES } from '../helpers/spec-databases.js';
import { churnPayload, httpCall } from '../helpers/core-support.js';

describe('broker start-up with InfluxDB', { timeout: 60_000 }, () => {
  let influx: Influx;

  withInfluxBroker('process', {}, (s) => ({ influx } = s));

  it('creates the databases of all built-in metrics without waiting for a first write', async () => {
    const wanted = [...new Set(Object.values(SPEC_DATABASES))].sort();
    let have: string[] = [];
    await waitFor(async () => {
      const series = await influx.query(undefined, 'SHOW DATABASES');
      have = (series[0]?.values ?? []).map((v) => String(v[0]));
      return wanted.every((db) => have.includes(db));
    }, 20_000, 'the metric databases');
    assert.deepEqual(wanted.filter((db) => !have.includes(db)), []);
  });
});

describe('broker start-up with InfluxDB not running yet', { timeout: 90_000 }, () => {
  let influx: Influx;
  let broker: BrokerProcess;
  let id = 0;

  /** Log lines of the broker (pino JSON on stdout, the banner on stderr) whose text matches. */
  const lines = (pattern: RegExp): string[] => broker.output().split('\n').filter((l) => pattern.test(l));

  withInfluxBroker('process', { env: { QMB_LOG_LEVEL: 'info' }, influxDown: true }, (s) => ({ influx, broker } = s));

  it('says once that InfluxDB is unreachable, with the cause, while it keeps accepting and retrying', async () => {
    const res = await httpCall(broker.url, 'POST', '/api/v1/metrics', { token: broker.token(), body: churnPayload(12, '2021-03-01T00:00:00Z') });
    assert.equal(res.status, 202, res.body);
    id = res.json.id as number;
    await waitFor(async () => {
      const sub = await httpCall(broker.url, 'GET', `/api/v1/submissions/${id}`, { token: broker.token() });
      return sub.json.attempts >= 4;
    }, 30_000, 'four delivery attempts');
    const said = lines(/is unreachable/);
    assert.equal(said.length, 1, `one unreachable line, got:\n${said.join('\n')}`);
    assert.ok(said[0]!.includes(`InfluxDB at ${influx.url} is unreachable (ECONNREFUSED): is influxd running?`), said[0]);
    assert.deepEqual(lines(/fetch failed/), [], 'no bare "fetch failed" warnings');
    assert.deepEqual(lines(/delivery failed, will retry|could not create database at start/), [], 'no warning per attempt or per database');
  });

  it('says once that InfluxDB is reachable again, delivers, and creates the databases', async () => {
    await influx.start();
    await waitFor(async () => {
      const sub = await httpCall(broker.url, 'GET', '/api/v1/submissions/1', { token: broker.token() });
      return sub.json.status === 'delivered';
    }, 45_000, 'the submission to be delivered');
    const wanted = [...new Set(Object.values(SPEC_DATABASES))].sort();
    await waitFor(async () => {
      const have = ((await influx.query(undefined, 'SHOW DATABASES'))[0]?.values ?? []).map((v) => String(v[0]));
      return wanted.every((db) => have.includes(db));
    }, 45_000, 'the metric databases');
    const again = lines(/reachable again/);
    assert.equal(again.length, 1, again.join('\n'));
    assert.ok(again[0]!.includes(`InfluxDB at ${influx.url} is reachable again`), again[0]);
    assert.equal(lines(/is unreachable/).length, 1);
  });
});
