// Every built-in metric's valid fixtures land in the right InfluxDB database and measurement, with
// the right tags, field values and field types (integer for `5`, float for `5.0`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LosslessNumber } from 'lossless-json';
import type { InProcessBroker } from '../helpers/broker.js';
import type { Influx } from '../helpers/influxd.js';
import { withInfluxBroker } from '../helpers/influx-broker.js';
import {
  DATABASES,
  nowNs,
  type ExpectedPoint,
  type FixtureTable,
  call,
  expectedFieldJson,
  expectedFieldType,
  expectedPoints,
  expectedTimeNs,
  ident,
  loadFixtures,
  timeText,
  whereClause,
} from '../helpers/core-support.js';

const seriesKey = (p: ExpectedPoint): string =>
  JSON.stringify([p.database, p.measurement, Object.entries(p.tags).sort(), typeof p.time === 'bigint' ? String(p.time) : 'stamped:' + JSON.stringify(p.fields)]);

describe('every built-in metric lands in InfluxDB', { timeout: 120_000 }, () => {
  let influx: Influx;
  let broker: InProcessBroker;
  const tables: FixtureTable[] = loadFixtures();
  /** The final state InfluxDB should hold: later points of one series and time overwrite fields. */
  const expected = new Map<string, ExpectedPoint>();

  withInfluxBroker('in-process', {}, (s) => ({ influx, broker } = s));

  it('has a fixture table for all 12 built-in metrics', () => {
    assert.deepEqual(tables.map((t) => t.metric).sort(), Object.keys(DATABASES).sort());
    for (const t of tables) assert.ok(t.valid.length > 0, `${t.metric} has valid fixtures`);
  });

  it('accepts every valid fixture and delivers it (201 with ?wait=)', async () => {
    for (const table of tables) {
      for (const c of table.valid) {
        const from = nowNs();
        const res = await call(broker.app, 'POST', '/api/v1/metrics?wait=15', { token: broker.token('ci'), body: c.text });
        const to = nowNs();
        assert.equal(res.status, 201, `${table.metric} / ${c.name}: ${res.body}`);
        assert.equal(res.json.status, 'delivered');
        assert.equal(res.json.database, DATABASES[table.metric], `${table.metric} goes to ${DATABASES[table.metric]}`);
        assert.equal(res.headers['x-submission-id'], String(res.json.id));
        const points = expectedPoints(table.metric, c.payload, { from, to });
        // Items of one payload with the same series and time are one stored point (stamped items never are).
        const distinct = new Set(points.map((p, i) => (typeof p.time === 'bigint' ? seriesKey(p) : `stamped ${i}`))).size;
        assert.equal(res.json.points, distinct, `${table.metric} / ${c.name}: point count`);
        assert.equal(res.json.duplicates, points.length - distinct, `${table.metric} / ${c.name}: duplicates`);
        for (const p of points) {
          const key = seriesKey(p);
          const earlier = expected.get(key);
          expected.set(key, earlier ? { ...p, fields: { ...earlier.fields, ...p.fields } } : p);
        }
      }
    }
  });

  for (const table of loadFixtures()) {
    it(`${table.metric}: points, tags, field values and field types as sent`, async () => {
      const mine = [...expected.values()].filter((p) => p.metric === table.metric);
      assert.ok(mine.length > 0);
      for (const p of mine) {
        const exact = typeof p.time === 'bigint' ? p.time : undefined;
        const rows = await influx.rows(p.database, `SELECT * FROM ${ident(p.measurement)}${whereClause(p.tags, exact)}`);
        assert.equal(rows.length, 1, `${table.metric}: one point in ${p.database}.${p.measurement} for ${JSON.stringify(p.tags)} at ${timeText(p.time)}; got ${JSON.stringify(rows)}`);
        const row = rows[0]!;
        if (typeof p.time !== 'bigint') {
          const t = expectedTimeNs(String(row['time']));
          assert.ok(t >= p.time.from && t <= p.time.to + 1000n, `${table.metric}: stamped time ${String(row['time'])} is the acceptance time`);
        }
        for (const [k, v] of Object.entries(p.fields)) {
          assert.deepEqual(row[k], expectedFieldJson(v), `${table.metric}: field ${k} of ${JSON.stringify(p.tags)}`);
        }
        for (const [k, v] of Object.entries(p.tags)) assert.equal(row[k], v, `${table.metric}: tag ${k}`);
      }
    });
  }

  it('each measurement holds exactly the expected points, tag keys and field types', async () => {
    const byMeasurement = new Map<string, ExpectedPoint[]>();
    for (const p of expected.values()) {
      const k = `${p.database}\u0000${p.measurement}`;
      byMeasurement.set(k, [...(byMeasurement.get(k) ?? []), p]);
    }
    for (const [k, points] of byMeasurement) {
      const [db, measurement] = k.split('\u0000') as [string, string];
      const all = await influx.rows(db, `SELECT * FROM ${ident(measurement)}`);
      assert.equal(all.length, points.length, `${db}.${measurement}: point count`);

      const tagKeys = (await influx.rows(db, `SHOW TAG KEYS FROM ${ident(measurement)}`)).map((r) => r['tagKey']).sort();
      const wantTagKeys = [...new Set(points.flatMap((p) => Object.keys(p.tags)))].sort();
      assert.deepEqual(tagKeys, wantTagKeys, `${db}.${measurement}: tag keys`);

      const types = new Map<string, Set<string>>();
      for (const r of await influx.rows(db, `SHOW FIELD KEYS FROM ${ident(measurement)}`)) {
        const f = String(r['fieldKey']);
        types.set(f, (types.get(f) ?? new Set()).add(String(r['fieldType'])));
      }
      const want = new Map<string, Set<string>>();
      for (const p of points) {
        for (const [f, v] of Object.entries(p.fields)) want.set(f, (want.get(f) ?? new Set()).add(expectedFieldType(v)));
      }
      assert.deepEqual([...types.keys()].sort(), [...want.keys()].sort(), `${db}.${measurement}: field keys`);
      for (const [f, set] of want) {
        assert.deepEqual([...types.get(f)!].sort(), [...set].sort(), `${db}.${measurement}: type of field ${f}`);
      }
    }
  });

  it('tfm_image_size is one point in TFM_ImageSize/TFM_ImageSize_Statistics with converted fields and tags', async () => {
    const rows = await influx.rows('TFM_ImageSize', `SELECT * FROM "TFM_ImageSize_Statistics" WHERE "CommitID" = '7fd9d1a4e2'`);
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.equal(row['time'], '2021-03-02T10:11:12Z');
    assert.equal(row['bl2_b'], 38612);
    assert.equal(row['bl2_d'], 616);
    assert.equal(row['bl2_t'], 41840);
    assert.equal(row['tfm_s_t'], 124556);
    assert.equal(row['tfm_ns_b'], 21576);
    assert.equal(row['DataProducer'], 'tf-m-ci');
    assert.equal(row['GerritID'], '8754');
    assert.equal(row['BuildType'], 'Release');
    assert.equal(row['CmakeConfig'], 'ConfigDefault');
    assert.equal(row['Compiler'], 'GNUARM');
    assert.equal(row['Target'], 'AN521');
    assert.equal(row['Branch'], 'master');
    assert.equal(row['CommitTitle'], 'Build: Fix linker script for isolation level 2');
    assert.equal(row['CommitURL'], 'https://review.trustedfirmware.org/c/TF-M/trusted-firmware-m/+/8754');
    const fieldTypes = await influx.rows('TFM_ImageSize', 'SHOW FIELD KEYS FROM "TFM_ImageSize_Statistics"');
    assert.ok(fieldTypes.length > 0);
    for (const r of fieldTypes) assert.equal(r['fieldType'], 'integer', `field ${String(r['fieldKey'])}`);
    // the second fixture has no gerrit_id: no GerritID tag on that point
    const other = await influx.rows('TFM_ImageSize', `SELECT * FROM "TFM_ImageSize_Statistics" WHERE "CommitID" = 'c0a2c35b6f'`);
    assert.equal(other.length, 1);
    assert.ok(other[0]!['GerritID'] === null || other[0]!['GerritID'] === undefined);
    assert.equal(other[0]!['tfm_s_b'], 30120);
    assert.ok(!('build_number' in other[0]!), 'extra build_info keys are not stored');
  });

  it('a float literal with a fraction stays float (fixture Score 12.5)', () => {
    const p = [...expected.values()].find((x) => x.metric === 'tfa_complexity_stats' && x.fields['Score'] instanceof LosslessNumber && String(x.fields['Score']) === '12.5');
    assert.ok(p, 'the fixture with a fractional score is among the expected points');
  });
});
