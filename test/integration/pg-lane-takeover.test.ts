// Lane takeover: the replica delivering a database is killed (SIGKILL) in the middle of a backlog;
// the other replica takes the lane over (its advisory lock went with the dead session), delivers
// the rest, and InfluxDB ends with every accepted point, the last-accepted value last.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrokerProcess } from '../helpers/broker.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { waitFor } from '../helpers/ports.js';
import { type Postgres, startPostgres } from '../helpers/postgres.js';
import { numberedPayload, postTo, startLanePair } from '../helpers/replicas.js';

const BACKLOG = 400;

describe('lane takeover after SIGKILL of the delivering replica', { timeout: 300_000 }, () => {
  let pg: Postgres;
  let influx: Influx;
  let a: BrokerProcess;
  let b: BrokerProcess;
  let database: string;

  const counts = async (): Promise<{ pending: number; delivered: number }> => {
    const rows = await pg.query<{ pending: string; delivered: string }>(
      `SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'delivered') AS delivered FROM qmb_submissions`,
    );
    return { pending: Number(rows[0]?.pending), delivered: Number(rows[0]?.delivered) };
  };

  before(async () => {
    [pg, influx] = await Promise.all([startPostgres(), startInflux()]);
    // Small batches: the backlog takes many writes, so the kill lands in the middle of it.
    ({ a, b, database } = await startLanePair(pg.url, influx.url, { QMB_BATCH_MAX_POINTS: '2' }));
  });

  after(async () => {
    for (const r of [a, b]) {
      await r?.stop();
      r?.cleanup();
    }
    await influx?.stop();
    await pg?.destroy();
  });

  it('delivers everything once the survivor takes the lane, in acceptance order', async () => {
    const lanes = await pg.query<{ app: string }>(
      `SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.classid = $1`,
      [0x716d626c],
    );
    assert.deepEqual(lanes.map((l) => l.app), ['broker-a journal'], 'A holds the lane');
    // A backlog accepted on both replicas in turn while the store is away; each payload also
    // overwrites one "last" point, so the value left there tells which payload was delivered last.
    await influx.pause();
    for (let i = 1; i <= BACKLOG; i++) {
      const via = i % 2 ? a : b;
      const one = await postTo(via, numberedPayload(i, i));
      assert.equal(one.status, 202, one.body);
      const last = await postTo(via, numberedPayload(i, 1_000_000, 'last'));
      assert.equal(last.status, 202, last.body);
    }
    await influx.start();
    await waitFor(async () => (await counts()).delivered > 20, 60_000, 'A to start delivering the backlog');
    await a.kill();
    const atKill = await counts();
    assert.ok(atKill.pending > 0, `the kill came before the end of the backlog (${JSON.stringify(atKill)})`);
    await waitFor(async () => (await counts()).pending === 0, 60_000, 'B to deliver the rest');
    const taken = await pg.query<{ app: string }>(
      `SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.classid = $1`,
      [0x716d626c],
    );
    assert.deepEqual(taken.map((l) => l.app), ['broker-b journal'], 'B holds the lane now');
    const seq = await influx.rows(database, `SELECT count("Lines_of_Change") AS n FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'seq'`);
    assert.equal(Number(seq[0]?.['n']), BACKLOG, 'every accepted point is stored');
    const last = await influx.rows(database, `SELECT last("Lines_of_Change") AS v FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'last'`);
    assert.equal(Number(last[0]?.['v']), BACKLOG, 'the point written last is the one accepted last');
  });
});
