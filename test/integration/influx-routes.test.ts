// QMB_INFLUX_ROUTES on two real influxd: each family's database is created, written, judged and read
// at its own InfluxDB; /readyz names each, and one InfluxDB down holds up only its own families.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { waitFor } from '../helpers/ports.js';
import { type Reply, churnPayload, httpCall, imageSizePayload } from '../helpers/core-support.js';
import { SPEC_DATABASES } from '../helpers/spec-databases.js';

const TFM = [...new Set(Object.values(SPEC_DATABASES))].filter((db) => db.startsWith('TFM_')).sort();
const TFA = [...new Set(Object.values(SPEC_DATABASES))].filter((db) => db.startsWith('TFA_')).sort();
/** On B: every TFM_* database by glob, and TFA_ImageSize by name. */
const ON_B = [...TFM, 'TFA_ImageSize'].sort();
const ON_A = TFA.filter((db) => db !== 'TFA_ImageSize');
const SEEDED_AT = Date.parse('2021-03-02T00:00:00Z');

const tfmImageSize = (): unknown => (JSON.parse(readFileSync('test/fixtures/payloads/tfm_image_size.json', 'utf8')) as { valid: { payload: unknown }[] }).valid[0]!.payload;

async function databasesOf(influx: Influx): Promise<string[]> {
  const series = await influx.query(undefined, 'SHOW DATABASES');
  return series.flatMap((s) => s.values.map((v) => String(v[0]))).filter((n) => n !== '_internal').sort();
}

describe('one InfluxDB per metric family (QMB_INFLUX_ROUTES)', { timeout: 180_000 }, () => {
  let a: Influx;
  let b: Influx;
  let broker: BrokerProcess;
  const post = (body: unknown, wait = 15): Promise<Reply> => httpCall(broker.url, 'POST', `/api/v1/metrics?wait=${wait}`, { token: broker.token(), body });
  const get = (url: string): Promise<Reply> => httpCall(broker.url, 'GET', url, { token: broker.token() });

  before(async () => {
    [a, b] = await Promise.all([startInflux(), startInflux()]);
    // Written by someone else, straight into B before the broker starts: it learns this field's type from B only.
    await b.query(undefined, 'CREATE DATABASE TFA_ImageSize');
    const seeded = await fetch(`${b.url}/write?db=TFA_ImageSize&precision=s`, { method: 'POST', body: `fvp-seeded,BinMode=Release BL31_T="big" ${SEEDED_AT / 1000}` });
    assert.equal(seeded.status, 204, await seeded.text());
    broker = await startBrokerProcess({
      QMB_INFLUX_URL: a.url,
      QMB_INFLUX_ROUTES: `TFM_*=${b.url},TFA_ImageSize=${b.url}/`,
      // InfluxDB 1.x OSS takes the parameter too (and refuses a level it does not know).
      QMB_INFLUX_CONSISTENCY: 'quorum',
    });
  });

  after(async () => {
    await broker?.stop();
    broker?.cleanup();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('creates each database at start in its own InfluxDB only', async () => {
    assert.ok(ON_A.length >= 5 && TFM.length >= 4, `spec databases: ${ON_A} / ${TFM}`);
    await waitFor(async () => (await databasesOf(b)).length === ON_B.length && (await databasesOf(a)).length === ON_A.length, 20_000, 'the databases');
    assert.deepEqual(await databasesOf(a), ON_A);
    assert.deepEqual(await databasesOf(b), ON_B);
    assert.match(broker.output(), new RegExp(`writing to InfluxDB at ${a.url} \\(TFM_\\* at ${b.url}, TFA_ImageSize at ${b.url}\\)`));
  });

  it('delivers each payload to its family\'s InfluxDB, with consistency=quorum', async () => {
    const churn = await post(churnPayload(12, '2021-03-01T10:00:00Z'));
    assert.equal(churn.status, 201, churn.body);
    const tfm = await post(tfmImageSize());
    assert.equal(tfm.status, 201, tfm.body);
    assert.equal(tfm.json.database, 'TFM_ImageSize');
    const sizes = await post(imageSizePayload('fvp-routes', { BL31_T: 100 }, '2021-03-01T10:00:00Z'));
    assert.equal(sizes.status, 201, sizes.body);

    assert.equal((await a.rows('TFA_CodeChurn', 'SELECT * FROM TFA_CodeChurn_Tracking')).length, 1);
    assert.equal((await b.rows('TFM_ImageSize', 'SELECT * FROM TFM_ImageSize_Statistics')).length, tfm.json.points);
    assert.equal((await b.rows('TFA_ImageSize', 'SELECT * FROM "fvp-routes"')).length, 1);
    // Nothing of B's families reached A, and the reverse.
    assert.deepEqual(await databasesOf(a), ON_A);
    assert.deepEqual(await databasesOf(b), ON_B);
  });

  it('reads each database at its own InfluxDB through the read API', async () => {
    const dbs = await get('/api/v1/databases');
    assert.equal(dbs.status, 200, dbs.body);
    for (const db of ['TFA_CodeChurn', 'TFM_ImageSize', 'TFA_ImageSize']) assert.ok(dbs.json.databases.includes(db), `${db} in ${dbs.body}`);
    const m = await get('/api/v1/databases/TFM_ImageSize/measurements');
    assert.equal(m.status, 200, m.body);
    assert.deepEqual(m.json.measurements, ['TFM_ImageSize_Statistics']);
    const rows = await get('/api/v1/databases/TFA_ImageSize/rows?measurement=fvp-routes');
    assert.equal(rows.status, 200, rows.body);
    assert.equal(rows.json.rows.length, 1, rows.body);
    const churn = await get('/api/v1/databases/TFA_CodeChurn/rows?measurement=TFA_CodeChurn_Tracking');
    assert.equal(churn.json.rows.length, 1, churn.body);
  });

  it('judges field types with what the routed InfluxDB holds: 409 before the 2xx', async () => {
    const res = await post(imageSizePayload('fvp-seeded', { BL31_T: 5 }, new Date(SEEDED_AT).toISOString()));
    assert.equal(res.status, 409, res.body);
    assert.equal(res.json.code, 'FIELD_TYPE_CONFLICT');
  });

  it('/readyz names each InfluxDB; with B down only its families wait', async () => {
    const up = await get('/readyz');
    assert.equal(up.status, 200, up.body);
    assert.deepEqual(
      up.json.checks.sink.targets.map((t: { url: string; ok: boolean }) => [t.url, t.ok]),
      [
        [a.url, true],
        [b.url, true],
      ],
    );
    await b.pause();
    try {
      await waitFor(async () => (await get('/readyz')).status === 503, 10_000, '/readyz to report B down');
      const down = await get('/readyz');
      assert.equal(down.json.checks.sink.ok, false);
      assert.match(down.json.checks.sink.detail, new RegExp(`InfluxDB at ${b.url} unreachable`));
      assert.doesNotMatch(down.json.checks.sink.detail, new RegExp(a.url));
      const churn = await post(churnPayload(13, '2021-03-08T10:00:00Z'));
      assert.equal(churn.status, 201, `A's family is still delivered: ${churn.body}`);
      const tfm = await post(tfmImageSize(), 1);
      assert.equal(tfm.status, 202, tfm.body);
      assert.equal(tfm.json.status, 'pending');
      await b.start();
      const id = Number(tfm.json.id);
      await waitFor(async () => (await get(`/api/v1/submissions/${id}`)).json.status === 'delivered', 30_000, 'the TFM payload once B is back');
    } finally {
      if (!b.running()) await b.start();
    }
    assert.equal((await a.rows('TFA_CodeChurn', 'SELECT * FROM TFA_CodeChurn_Tracking')).length, 2);
  });
});
