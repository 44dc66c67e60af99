// InfluxDB 2.x/3.x auth and Enterprise's write consistency, against a stand-in server (neither 2.x/3.x
// nor Enterprise runs here): every request carries `Authorization: Token ...`, writes `consistency=`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';
import { type InfluxStandin, startInfluxStandin } from '../helpers/influx-standin.js';
import { waitFor } from '../helpers/ports.js';
import { churnPayload, httpCall } from '../helpers/core-support.js';

const TOKEN = 'qmb-test-token-Zm9vYmFy==';

describe('InfluxDB token auth and write consistency (stand-in server)', { timeout: 60_000 }, () => {
  let standin: InfluxStandin;
  let broker: BrokerProcess;

  before(async () => {
    standin = await startInfluxStandin(TOKEN);
    broker = await startBrokerProcess({ QMB_INFLUX_URL: standin.url, QMB_INFLUX_TOKEN: TOKEN, QMB_INFLUX_CONSISTENCY: 'all' });
  });

  after(async () => {
    await broker?.stop();
    broker?.cleanup();
    await standin?.stop();
  });

  it('creates the databases at start with the token', async () => {
    await waitFor(() => standin.requests.some((r) => r.body.startsWith('q=CREATE+DATABASE')), 10_000, 'CREATE DATABASE');
    const creates = standin.requests.filter((r) => r.body.startsWith('q=CREATE+DATABASE'));
    assert.ok(creates.length > 0);
    for (const r of creates) assert.equal(r.authorization, `Token ${TOKEN}`);
  });

  it('delivers with the token and consistency=all on /write', async () => {
    const res = await httpCall(broker.url, 'POST', '/api/v1/metrics?wait=10', { token: broker.token(), body: churnPayload(7, '2021-03-01T10:00:00Z') });
    assert.equal(res.status, 201, res.body);
    assert.equal(res.json.status, 'delivered');
    const writes = standin.requests.filter((r) => r.path === '/write');
    assert.equal(writes.length, 1);
    assert.equal(writes[0]!.authorization, `Token ${TOKEN}`);
    assert.equal(writes[0]!.params.get('db'), 'TFA_CodeChurn');
    assert.equal(writes[0]!.params.get('consistency'), 'all');
    assert.equal(writes[0]!.params.get('precision'), 'ns');
    assert.match(standin.written.get('TFA_CodeChurn')?.[0] ?? '', /^TFA_CodeChurn_Tracking,/);
  });

  it('reads with the token', async () => {
    const res = await httpCall(broker.url, 'GET', '/api/v1/databases/TFA_CodeChurn/measurements', { token: broker.token() });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json.measurements, ['TFA_CodeChurn_Tracking']);
    const ready = await httpCall(broker.url, 'GET', '/readyz');
    assert.equal(ready.status, 200, ready.body);
    assert.match(ready.json.checks.sink.detail, /InfluxDB v2\.7\.10 at/);
  });

  it('sent the token on every request but /ping, which needs none', () => {
    const others = standin.requests.filter((r) => r.path !== '/ping');
    assert.ok(others.some((r) => r.body.includes('SHOW+MEASUREMENTS')), 'the read reached the stand-in');
    for (const r of others) assert.equal(r.authorization, `Token ${TOKEN}`, `${r.method} ${r.path} ${r.body}`);
    assert.ok(!standin.requests.some((r) => r.path === '/query' && r.params.has('consistency')), 'consistency is a /write parameter only');
  });
});
