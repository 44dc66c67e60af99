// No writable PostgreSQL: the broker answers 503 JOURNAL_UNAVAILABLE with Retry-After (never a 2xx
// it could not keep, never a 500), and takes payloads again once a primary is back, without a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrokerProcess } from '../helpers/broker.js';
import { httpCall, isErrorBody, type Reply } from '../helpers/core-support.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { type Postgres, type PostgresCluster, startPostgres, startPostgresCluster } from '../helpers/postgres.js';
import { numberedPayload, postTo, replicaSecret, startReplica, statusOn } from '../helpers/replicas.js';

function assertUnavailable(r: Reply, what: string): void {
  assert.equal(r.status, 503, `${what}: ${r.status} ${r.body}`);
  assert.ok(isErrorBody(r.json, 503), r.body);
  assert.equal(r.json.code, 'JOURNAL_UNAVAILABLE', r.body);
  assert.match(String(r.headers['retry-after']), /^\d+$/);
}

describe('no writable primary', { timeout: 300_000 }, () => {
  let influx: Influx;
  before(async () => {
    influx = await startInflux();
  });
  after(async () => {
    await influx?.stop();
  });

  describe('PostgreSQL stopped and started again', () => {
    let pg: Postgres;
    let broker: BrokerProcess;
    before(async () => {
      pg = await startPostgres();
      broker = await startReplica('broker', pg.url, influx.url, replicaSecret());
    });
    after(async () => {
      await broker?.stop();
      broker?.cleanup();
      await pg?.destroy();
    });

    it('answers 503 while it is down and delivers again once it is back', async () => {
      const before = await postTo(broker, numberedPayload(1, 1), '?wait=30');
      assert.equal(before.status, 201, before.body);
      await pg.stop();
      for (let i = 0; i < 5; i++) assertUnavailable(await postTo(broker, numberedPayload(2, 2)), `post ${i} while stopped`);
      assertUnavailable(await statusOn(broker, Number(before.json.id)), 'status while stopped');
      const ready = await httpCall(broker.url, 'GET', '/readyz');
      assert.equal(ready.status, 503, ready.body);
      assert.equal(ready.json.checks.journal.ok, false);
      await pg.start();
      const again = await postTo(broker, numberedPayload(3, 3), '?wait=30');
      assert.equal(again.status, 201, again.body);
      assert.equal(again.json.status, 'delivered');
      assert.equal((await statusOn(broker, Number(before.json.id))).json.status, 'delivered', 'what was accepted before is still there');
    });
  });

  describe('only a standby in the URL, then promoted', () => {
    let cluster: PostgresCluster;
    let onStandby: BrokerProcess;
    let onPrimary: BrokerProcess;
    before(async () => {
      cluster = await startPostgresCluster({ standbys: 1, synchronous: 'ANY 1 (s1)' });
      const secret = replicaSecret();
      onPrimary = await startReplica('primary-broker', cluster.primary.url, influx.url, secret);
      onStandby = await startReplica('standby-broker', cluster.standbys[0]!.url, influx.url, secret);
    });
    after(async () => {
      for (const b of [onStandby, onPrimary]) {
        await b?.stop();
        b?.cleanup();
      }
      await cluster?.destroy();
    });

    it('reports on /readyz that commits wait for a synchronous standby', async () => {
      const ready = await httpCall(onPrimary.url, 'GET', '/readyz');
      assert.equal(ready.status, 200, ready.body);
      assert.equal(ready.json.checks.journal.kind, 'postgres');
      assert.equal(ready.json.checks.journal.synchronous, true, ready.body);
      assert.equal(ready.json.checks.journal.sync_standbys, 1, ready.body);
    });

    it('answers 503 on the standby, and takes payloads once it is promoted', async () => {
      for (let i = 0; i < 3; i++) assertUnavailable(await postTo(onStandby, numberedPayload(10 + i, 10 + i)), `post ${i} to a standby`);
      const ready = await httpCall(onStandby.url, 'GET', '/readyz');
      assert.equal(ready.status, 503, ready.body);
      await cluster.primary.stop();
      await cluster.promote(cluster.standbys[0]!);
      const taken = await postTo(onStandby, numberedPayload(20, 20), '?wait=30');
      assert.equal(taken.status, 201, taken.body);
      assert.equal(taken.json.status, 'delivered');
    });
  });
});
