// A primary whose commits wait for a synchronous standby that is gone can take no payload (every
// commit would wait until the standby is back): /readyz says so, so a load balancer stops sending
// to that broker, and says ready again once the standby streams.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrokerProcess } from '../helpers/broker.js';
import { httpCall } from '../helpers/core-support.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { type PostgresCluster, startPostgresCluster } from '../helpers/postgres.js';
import { waitFor } from '../helpers/ports.js';
import { numberedPayload, postTo, replicaSecret, startReplica } from '../helpers/replicas.js';
import { requiredSyncStandbys } from '../../src/journal/pg-journal.js';

describe('synchronous_standby_names: how many standbys a commit waits for', () => {
  it('reads ANY n, FIRST n, n (...) and plain lists', () => {
    assert.equal(requiredSyncStandbys(''), 0);
    assert.equal(requiredSyncStandbys('s1'), 1);
    assert.equal(requiredSyncStandbys('s1, s2'), 1);
    assert.equal(requiredSyncStandbys('*'), 1);
    assert.equal(requiredSyncStandbys('ANY 2 (s1, s2, s3)'), 2);
    assert.equal(requiredSyncStandbys('first 1 (s1, s2)'), 1);
    assert.equal(requiredSyncStandbys('2 (s1, s2)'), 2);
  });
});

describe('the synchronous standby stops', { timeout: 180_000 }, () => {
  let influx: Influx;
  let cluster: PostgresCluster;
  let broker: BrokerProcess;
  before(async () => {
    influx = await startInflux();
    cluster = await startPostgresCluster({ standbys: 1, synchronous: 'ANY 1 (s1)' });
    broker = await startReplica('broker', cluster.urlOf(cluster.primary), influx.url, replicaSecret());
  });
  after(async () => {
    await broker?.stop();
    broker?.cleanup();
    await influx?.stop();
    await cluster?.destroy();
  });

  const journalCheck = async () => {
    const r = await httpCall(broker.url, 'GET', '/readyz');
    return { status: r.status, journal: r.json.checks.journal as { ok: boolean; detail: string; synchronous?: boolean; sync_standbys?: number } };
  };

  it('is not ready while no synchronous standby streams, and ready again when it is back', async () => {
    const up = await journalCheck();
    assert.equal(up.journal.ok, true, up.journal.detail);
    assert.equal(up.journal.synchronous, true);
    assert.equal(up.journal.sync_standbys, 1);

    const standby = cluster.standbys[0]!;
    await standby.stop();
    await waitFor(async () => (await journalCheck()).journal.ok === false, 30_000, '/readyz to report the journal not ready');
    const down = await journalCheck();
    assert.equal(down.status, 503);
    assert.match(down.journal.detail, /commits wait for 1 synchronous standby .*ANY 1 \(s1\).* 0 are streaming/);

    await standby.start();
    await waitFor(async () => (await journalCheck()).journal.ok, 30_000, '/readyz to report the journal ready again');
    const accepted = await postTo(broker, numberedPayload(1, 1), '?wait=30');
    assert.equal(accepted.status, 201, accepted.body);
    assert.equal(accepted.json.status, 'delivered');
  });
});
