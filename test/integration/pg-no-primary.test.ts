// No writable PostgreSQL: the broker answers 503 JOURNAL_UNAVAILABLE with Retry-After (never a 2xx
// it could not keep, never a 500), and takes payloads again once a primary is back, without a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrokerProcess } from '../helpers/broker.js';
import { httpCall, isErrorBody, type Reply } from '../helpers/core-support.js';
import { haproxyReadyPattern } from '../helpers/haproxy-check.js';
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
      // The shipped balancer's check reads this very body: it takes the broker out now.
      assert.doesNotMatch(ready.body, haproxyReadyPattern());
      await pg.start();
      const again = await postTo(broker, numberedPayload(3, 3), '?wait=30');
      assert.equal(again.status, 201, again.body);
      assert.match((await httpCall(broker.url, 'GET', '/readyz')).body, haproxyReadyPattern(), 'and puts it back');
      assert.equal(again.json.status, 'delivered');
      assert.equal((await statusOn(broker, Number(before.json.id))).json.status, 'delivered', 'what was accepted before is still there');
    });
  });

  describe('a host list whose primary is gone and whose other host is a standby, then promoted', () => {
    let cluster: PostgresCluster;
    let onList: BrokerProcess;
    let onPrimary: BrokerProcess;
    before(async () => {
      cluster = await startPostgresCluster({ standbys: 1, synchronous: 'ANY 1 (s1)' });
      const secret = replicaSecret();
      onPrimary = await startReplica('primary-broker', cluster.primary.url, influx.url, secret);
      onList = await startReplica('list-broker', cluster.multiHostUrl(), influx.url, secret);
    });
    after(async () => {
      for (const b of [onList, onPrimary]) {
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
      assert.match(ready.body, haproxyReadyPattern(), 'the shipped balancer keeps it in');
    });

    it('answers 503 while only the standby is left, and takes payloads once it is promoted', async () => {
      const first = await postTo(onList, numberedPayload(10, 10), '?wait=30');
      assert.equal(first.status, 201, first.body);
      await cluster.primary.stop();
      for (let i = 0; i < 3; i++) assertUnavailable(await postTo(onList, numberedPayload(11 + i, 11 + i)), `post ${i} with only a standby left`);
      const ready = await httpCall(onList.url, 'GET', '/readyz');
      assert.equal(ready.status, 503, ready.body);
      await cluster.promote(cluster.standbys[0]!);
      // Alone now: it has no standby to wait for.
      await cluster.standbys[0]!.query('ALTER SYSTEM RESET synchronous_standby_names');
      await cluster.standbys[0]!.query('SELECT pg_reload_conf()');
      const taken = await postTo(onList, numberedPayload(20, 20), '?wait=30');
      assert.equal(taken.status, 201, taken.body);
      assert.equal(taken.json.status, 'delivered');
      assert.equal((await statusOn(onList, Number(first.json.id))).json.status, 'delivered', 'accepted before the failover, still there');
    });
  });
});
