// The read API answers the same JSON on a real influxd and on the embedded store, both seeded
// through the broker's own ingest route with the same fixture payloads.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { type ReadBroker, fixturePayloads, ingest, readBroker } from '../helpers/read-setup.js';

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

  it('a cut by limit among points of equal time is the same on both stores, and says truncated', async () => {
    // Four commits (series) of two build modes, each with a point at each of five times: every
    // limit below 20 cuts through points of equal time, which only the content orders.
    const data = [];
    for (let t = 0; t < 5; t++) {
      for (let c = 0; c < 4; c++) {
        const total = (7 * c + 3 * t) % 11;
        data.push({
          measurement: 'ties-bl31',
          fields: { TotalDefects: total, MandatoryDefects: c, RequiredDefects: (c * 5) % 4, AdvisoryDefects: t },
          tags: { BinMode: c % 2 ? 'Release' : 'Debug', CommitID: `tie${c}`, CommitTitle: `tie commit ${c}` },
          time: new Date(Date.UTC(2024, 2, 1 + t)).toISOString(),
        });
      }
    }
    const text = JSON.stringify({ api_version: '1.0', metadata: { metrics: 'tfa_misra_defects' }, data });
    assert.equal(await ingest(onInflux, text), 201);
    assert.equal(await ingest(embedded, text), 201);
    const base = '/api/v1/databases/TFA_MisraDefects';
    const m = 'measurement=ties-bl31';
    const all = (await same(`${base}/rows?${m}`)) as { rows: { time: string }[]; truncated: boolean };
    assert.equal(all.rows.length, 20);
    assert.equal(all.truncated, false);
    for (const order of ['asc', 'desc']) {
      const full = (await same(`${base}/rows?${m}&order=${order}`)) as { rows: unknown[] };
      for (const limit of [1, 2, 3, 4, 5, 6, 7, 19, 20, 21]) {
        const cut = (await same(`${base}/rows?${m}&order=${order}&limit=${limit}`)) as { rows: unknown[]; truncated: boolean };
        assert.deepEqual(cut.rows, full.rows.slice(0, limit), `rows ${order} limit ${limit} is the start of the whole answer`);
        assert.equal(cut.truncated, limit < 20, `rows ${order} limit ${limit}`);
        await same(`${base}/rows?${m}&field=AdvisoryDefects&field=MandatoryDefects&order=${order}&limit=${limit}`);
        await same(`${base}/rows?${m}&tag.BinMode=Debug&order=${order}&limit=${limit}`);
        const s = (await same(`${base}/series?${m}&field=TotalDefects&field=RequiredDefects&order=${order}&limit=${limit}`)) as { series: { values: unknown[] }[]; truncated: boolean };
        assert.equal(s.series[0]?.values.length, Math.min(limit, 20));
        assert.equal(s.truncated, limit < 20);
        const g = (await same(`${base}/series?${m}&field=TotalDefects&group_by=BinMode&order=${order}&limit=${limit}`)) as { series: { values: unknown[] }[]; truncated: boolean };
        assert.deepEqual(g.series.map((x) => x.values.length), [Math.min(limit, 10), Math.min(limit, 10)]);
        assert.equal(g.truncated, limit < 10);
        await same(`${base}/series?${m}&field=TotalDefects&group_by=CommitID&order=${order}&limit=${limit}`);
        const a = (await same(`${base}/series?${m}&field=TotalDefects&aggregate=max&interval=1d&order=${order}&limit=${limit}`)) as { truncated: boolean };
        assert.equal(a.truncated, limit < 5);
      }
    }
    // Without a limit the default one applies: far above these answers, so nothing is cut.
    const raw = (await same(`${base}/series?${m}&field=TotalDefects`)) as { truncated: boolean };
    assert.equal(raw.truncated, false);
  });

  it('control characters in names and values: 400 naming the parameter, on both stores', async () => {
    const base = '/api/v1/databases/TFA_CodeChurn';
    const m = 'measurement=TFA_CodeChurn_Tracking';
    for (const c of ['\r', '\n', '\u0000', '\t', '\u001f', '\u007f']) {
      const bad = enc(`a${c}b`);
      const cases: [string, string][] = [
        [`${base}/series?measurement=${bad}&field=Lines_of_Change`, 'measurement'],
        [`${base}/series?${m}&field=${bad}`, 'field'],
        [`${base}/series?${m}&field=Lines_of_Change&tag.${bad}=x`, `tag.a${c}b`],
        [`${base}/series?${m}&field=Lines_of_Change&tag.Target_Tag=${bad}`, 'tag.Target_Tag'],
        [`${base}/series?${m}&field=Lines_of_Change&tag.Target_Tag=v2.4&tag.Target_Tag=${bad}`, 'tag.Target_Tag'],
        [`${base}/series?${m}&field=Lines_of_Change&group_by=${bad}`, 'group_by'],
        [`${base}/series?${m}&field=Lines_of_Change&aggregate=last&interval=1w&group_by=${bad}`, 'group_by'],
        [`${base}/rows?measurement=${bad}`, 'measurement'],
        [`${base}/rows?${m}&field=${bad}`, 'field'],
        [`${base}/rows?${m}&tag.Base_Tag=${bad}`, 'tag.Base_Tag'],
        [`${base}/tags?measurement=${bad}`, 'measurement'],
        [`${base}/tags/${bad}?${m}`, 'key'],
        [`${base}/tags/Target_Tag?${m}&tag.Base_Tag=${bad}`, 'tag.Base_Tag'],
        [`${base}/fields?measurement=${bad}`, 'measurement'],
        [`/api/v1/databases/${bad}/measurements`, 'db'],
      ];
      for (const [url, param] of cases) {
        const body = await same(url, 400);
        assert.equal(body['code'], 'INVALID_REQUEST', url);
        assert.deepEqual((body['errors'] as { path: string }[]).map((e) => e.path), [param], url);
      }
    }
  });

  it('from and to outside the signed 64-bit range InfluxDB stores: 400 on both stores', async () => {
    const base = '/api/v1/databases/TFA_CodeChurn';
    const m = 'measurement=TFA_CodeChurn_Tracking';
    for (const [param, value] of [
      ['from', '-9223372036854775807'],
      ['from', '-9223372036854775808'],
      ['from', '-99999999999999999999999999'],
      ['to', '9223372036854775807'],
      ['to', '9223372036854775808'],
      ['to', '18446744073709551616'],
      ['to', '1' + '0'.repeat(400)],
      ['to', '9999-12-31T00:00:00Z'],
    ] as const) {
      for (const url of [`${base}/series?${m}&field=Lines_of_Change&${param}=${value}`, `${base}/rows?${m}&${param}=${value}`]) {
        const body = await same(url, 400);
        assert.deepEqual((body['errors'] as { path: string }[]).map((e) => e.path), [param], url);
      }
    }
    // The edges themselves are fine.
    const edges = 'from=-9223372036854775806&to=9223372036854775806';
    const rows = (await same(`${base}/rows?${m}&${edges}`)) as { rows: unknown[] };
    assert.ok(rows.rows.length > 0);
    await same(`${base}/rows?${m}&${edges}&order=desc&limit=1`);
    await same(`${base}/series?${m}&field=Lines_of_Change&${edges}&limit=2`);
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
