// The read API answers the same JSON on a real influxd and on the embedded store, both seeded
// through the broker's own ingest route with the same fixture payloads.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { type ReadBroker, fixturePayloads, ingest, readBroker } from './read-setup.js';

type Json = Record<string, unknown>;

describe('read API: InfluxDB and the embedded store agree', () => {
  let influx: Influx;
  let onInflux: ReadBroker;
  let embedded: ReadBroker;
  const compared: string[] = [];
  const skipped: string[] = [];

  before(async () => {
    influx = await startInflux();
    onInflux = await readBroker({ influxUrl: influx.url });
    embedded = await readBroker();
    for (const { name, text } of fixturePayloads()) {
      // The embedded store fixes a field's type per measurement, InfluxDB per shard (week): a float
      // Score after integer ones is refused by the first only. Such a payload is left out of both.
      if ((await ingest(embedded, text)) === 409) {
        skipped.push(name);
        // A dry run takes the same acceptance stamps, so later stamped points keep equal times.
        const dry = await onInflux.app.inject({
          method: 'POST',
          url: '/api/v1/validate',
          headers: { authorization: `JWT ${onInflux.token}`, 'content-type': 'application/json' },
          payload: text,
        });
        assert.equal(dry.statusCode, 200);
        continue;
      }
      assert.equal(await ingest(onInflux, text), 201, name);
    }
    assert.ok(skipped.length <= 1, `skipped: ${skipped.join('; ')}`);
  });

  after(async () => {
    await onInflux?.close();
    await embedded?.close();
    await influx?.stop();
  });

  /** GETs url from both brokers, checks status and equal bodies, returns the body. */
  async function same(url: string, status = 200): Promise<Json> {
    const a = await onInflux.get(url);
    const b = await embedded.get(url);
    assert.equal(a.status, status, `influx ${url}: ${JSON.stringify(a.body)}`);
    assert.equal(b.status, status, `embedded ${url}: ${JSON.stringify(b.body)}`);
    assert.equal(JSON.stringify(b.body), JSON.stringify(a.body), `answers differ for ${url}`);
    compared.push(url);
    return a.body as Json;
  }

  const enc = encodeURIComponent;

  it('databases, measurements, tag keys, tag values and field keys', async () => {
    const { databases } = (await same('/api/v1/databases')) as { databases: string[] };
    assert.ok(databases.includes('TFA_ImageSize') && databases.includes('TFM_ImageSize'), JSON.stringify(databases));
    assert.equal(databases.length, 10);
    for (const db of databases) {
      const { measurements } = (await same(`/api/v1/databases/${enc(db)}/measurements`)) as { measurements: string[] };
      assert.ok(measurements.length > 0, db);
      await same(`/api/v1/databases/${enc(db)}/tags`);
      await same(`/api/v1/databases/${enc(db)}/fields`);
      for (const m of measurements) {
        const { tag_keys } = (await same(`/api/v1/databases/${enc(db)}/tags?measurement=${enc(m)}`)) as { tag_keys: string[] };
        for (const key of tag_keys) {
          const { values } = (await same(`/api/v1/databases/${enc(db)}/tags/${enc(key)}?measurement=${enc(m)}`)) as { values: string[] };
          assert.ok(values.length > 0, `${db} ${m} ${key}`);
        }
        await same(`/api/v1/databases/${enc(db)}/fields?measurement=${enc(m)}`);
      }
    }
    const tv = (await same('/api/v1/databases/TFA_CodeChurn/tags/Target_Tag?measurement=TFA_CodeChurn_Tracking')) as { values: string[] };
    assert.ok(tv.values.includes('v2.4'), JSON.stringify(tv));
  });

  it('rows and series (raw, grouped, filtered, every aggregate) of every measurement', async () => {
    const { databases } = (await embedded.get('/api/v1/databases')).body as { databases: string[] };
    for (const db of databases) {
      const { fields } = (await embedded.get(`/api/v1/databases/${enc(db)}/fields`)).body as { fields: { measurement: string; field: string; type: string }[] };
      const byMeasurement = new Map<string, { field: string; type: string }[]>();
      for (const f of fields) byMeasurement.set(f.measurement, [...(byMeasurement.get(f.measurement) ?? []), f]);
      for (const [m, mf] of byMeasurement) {
        const base = `/api/v1/databases/${enc(db)}`;
        const rows = (await same(`${base}/rows?measurement=${enc(m)}`)) as { rows: unknown[] };
        assert.ok(rows.rows.length > 0, `${db}/${m} rows`);
        await same(`${base}/rows?measurement=${enc(m)}&order=desc&limit=2`);
        const fieldParams = mf.map((f) => `field=${enc(f.field)}`).join('&');
        const raw = (await same(`${base}/series?measurement=${enc(m)}&${fieldParams}`)) as { series: unknown[] };
        assert.equal(raw.series.length, 1, `${db}/${m} raw`);
        const { tag_keys } = (await embedded.get(`${base}/tags?measurement=${enc(m)}`)).body as { tag_keys: string[] };
        const numeric = mf.filter((f) => f.type === 'integer' || f.type === 'float').map((f) => `field=${enc(f.field)}`).join('&');
        for (const key of tag_keys) {
          await same(`${base}/series?measurement=${enc(m)}&${fieldParams}&group_by=${enc(key)}`);
          await same(`${base}/series?measurement=${enc(m)}&${fieldParams}&group_by=${enc(key)}&order=desc&limit=1`);
          const { values } = (await embedded.get(`${base}/tags/${enc(key)}?measurement=${enc(m)}`)).body as { values: string[] };
          await same(`${base}/series?measurement=${enc(m)}&${fieldParams}&tag.${enc(key)}=${enc(values[0]!)}`);
          await same(`${base}/rows?measurement=${enc(m)}&tag.${enc(key)}=${enc(values[0]!)}`);
          for (const interval of ['1d', '1w']) {
            await same(`${base}/series?measurement=${enc(m)}&${fieldParams}&group_by=${enc(key)}&aggregate=last&interval=${interval}`);
            if (numeric) {
              for (const agg of ['max', 'mean', 'sum']) {
                await same(`${base}/series?measurement=${enc(m)}&${numeric}&group_by=${enc(key)}&aggregate=${agg}&interval=${interval}`);
              }
            }
          }
        }
      }
    }
    assert.ok(compared.length > 200, `compared ${compared.length} answers`);
  });

  it('answers carry the seeded values', async () => {
    const churn = (await same('/api/v1/databases/TFA_CodeChurn/series?measurement=TFA_CodeChurn_Tracking&field=Lines_of_Change&group_by=Target_Tag')) as {
      series: { tags: Record<string, string>; values: unknown[][] }[];
    };
    const v24 = churn.series.find((s) => s.tags['Target_Tag'] === 'v2.4');
    assert.equal(v24?.values[0]?.[1], 4731);
    // A tag value with double quotes (escaped in InfluxQL, bound in SQL).
    const title = 'Merge "Enabling DPU in dts file for TC0" into integration';
    const size = (await same(
      `/api/v1/databases/TFA_ImageSize/series?measurement=zynqmp-tspd-tdram&field=BL31_T&field=BL32_T&tag.CommitTitle=${enc(title)}`,
    )) as { series: { values: unknown[][] }[] };
    assert.deepEqual(size.series[0]?.values[0]?.slice(1), [40916, 11496]);
    // Points without a time were stamped at acceptance: the frozen clock gives both the same stamp.
    const defects = (await same('/api/v1/databases/TFA_Defects/rows?measurement=TFA_Defects_Statistics')) as { rows: { time: string }[] };
    assert.ok(defects.rows.some((r) => r.time.startsWith('16225488')), JSON.stringify(defects.rows.map((r) => r.time)));
  });

  it('quotes and backslashes in names are data, not InfluxQL or SQL', async () => {
    for (const evil of [`x" OR 1=1 --`, `x'; DROP DATABASE "TFA_CodeChurn"; --`, 'a\\', `/.*/`]) {
      const body = (await same(`/api/v1/databases/TFA_CodeChurn/series?measurement=${enc(evil)}&field=${enc(evil)}&tag.${enc(evil)}=${enc(evil)}`)) as { series: unknown[] };
      assert.deepEqual(body.series, []);
      const tv = (await same(`/api/v1/databases/TFA_CodeChurn/tags/${enc(evil)}?measurement=${enc(evil)}`)) as { values: unknown[] };
      assert.deepEqual(tv.values, []);
      await same(`/api/v1/databases/TFA_CodeChurn/rows?measurement=TFA_CodeChurn_Tracking&tag.Target_Tag=${enc(evil)}`);
    }
    await same('/api/v1/databases/TFA_CodeChurn/measurements');
  });

  it('errors: unknown database 404, bad parameters 400, no token 401', async () => {
    await same('/api/v1/databases/No_Such_DB/measurements', 404);
    await same('/api/v1/databases/No_Such_DB/series?measurement=m&field=f', 404);
    await same('/api/v1/databases/TFA_CodeChurn/series?measurement=TFA_CodeChurn_Tracking', 400);
    await same('/api/v1/databases/TFA_CodeChurn/series?measurement=TFA_CodeChurn_Tracking&field=Lines_of_Change&aggregate=median&interval=1d', 400);
    await same('/api/v1/databases/TFA_CodeChurn/series?measurement=TFA_CodeChurn_Tracking&field=Lines_of_Change&aggregate=max', 400);
    await same('/api/v1/databases/TFA_Defects/series?measurement=TFA_Defects_Statistics&field=Title&aggregate=sum&interval=1d', 400);
    await same('/api/v1/databases/TFA_CodeChurn/series?measurement=TFA_CodeChurn_Tracking&field=Lines_of_Change&from=yesterday', 400);
    const noToken = await embedded.get('/api/v1/databases', null);
    assert.equal(noToken.status, 401);
    assert.equal((noToken.body as Json)['code'], 'TOKEN_MISSING');
  });
});
