// Two replicas on one PostgreSQL journal: a payload posted on A is readable on B, and a wait on B
// ends once A delivers it, also when B's notification connection is cut again and again (polling).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrokerProcess } from '../helpers/broker.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { waitFor } from '../helpers/ports.js';
import { type Postgres, startPostgres } from '../helpers/postgres.js';
import { httpCall } from '../helpers/core-support.js';
import { numberedPayload, postTo, startLanePair, statusOn } from '../helpers/replicas.js';

describe('status from any replica', { timeout: 240_000 }, () => {
  let pg: Postgres;
  let influx: Influx;
  let a: BrokerProcess;
  let b: BrokerProcess;

  before(async () => {
    [pg, influx] = await Promise.all([startPostgres(), startInflux()]);
    // A delivers the database from its first payload on: its lane is A's, B only reads.
    ({ a, b } = await startLanePair(pg.url, influx.url));
  });

  after(async () => {
    for (const r of [a, b]) {
      await r?.stop();
      r?.cleanup();
    }
    await influx?.stop();
    await pg?.destroy();
  });

  it('answers on B for a payload posted on A, and B reports the PostgreSQL journal', async () => {
    const posted = await postTo(a, numberedPayload(1, 1));
    assert.equal(posted.status, 202, posted.body);
    const id = Number(posted.json.id);
    const seen = await statusOn(b, id);
    assert.equal(seen.status, 200, seen.body);
    assert.equal(seen.json.id, id);
    const waited = await statusOn(b, id, '?wait=30');
    assert.equal(waited.json.status, 'delivered', waited.body);
    const ready = await httpCall(b.url, 'GET', '/readyz');
    assert.equal(ready.json.checks.journal.kind, 'postgres');
    assert.equal(ready.json.checks.journal.synchronous, false, 'one server alone: no synchronous standby');
  });

  it("ends a wait on B by polling while B's notification connection is cut", { timeout: 120_000 }, async () => {
    // The store away: A keeps the payload pending, so B really waits.
    await influx.pause();
    const posted = await postTo(a, numberedPayload(2, 2));
    assert.equal(posted.status, 202, posted.body);
    const id = Number(posted.json.id);
    // The longest wait: without polling it would end only after 300 s, far past this test's timeout.
    const waiting = statusOn(b, id, '?wait=300');
    // Cut B's listening backend whenever it is there, so no notification reaches B.
    let cuts = 0;
    let cutting = true;
    const cutter = (async () => {
      while (cutting) {
        const rows = await pg.query<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'broker-b journal' AND query LIKE 'LISTEN%'`,
        );
        cuts += rows.filter((r) => r.ok).length;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await waitFor(() => cuts > 0, 20_000, "B's listening connection to be cut");
      assert.equal((await statusOn(b, id)).json.status, 'pending');
      await influx.start();
      const answer = await waiting;
      assert.equal(answer.status, 200, answer.body);
      assert.equal(answer.json.status, 'delivered', 'the wait ended with the delivery, not with its time running out');
    } finally {
      cutting = false;
      await cutter;
    }
    // B connects its notifications again by itself once no longer cut.
    await waitFor(async () => (await pg.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'broker-b journal' AND query LIKE 'LISTEN%'`)).length > 0, 20_000, 'B listening again');
  });
});
