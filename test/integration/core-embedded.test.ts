// Without QMB_INFLUX_URL the broker stores points in its embedded SQLite store: series, typed fields, time.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { type InProcessBroker, startBrokerInProcess } from '../helpers/broker.js';
import {
  type ExpectedPoint,
  call,
  churnPayload,
  expectedFieldJson,
  expectedFieldType,
  expectedPoints,
  loadFixtures,
  nowNs,
  num,
  timeText,
} from '../helpers/core-support.js';

describe('embedded store', { timeout: 60_000 }, () => {
  let broker: InProcessBroker;
  let store: Database.Database;
  const expected: ExpectedPoint[] = [];

  before(async () => {
    broker = await startBrokerInProcess({});
  });

  after(async () => {
    store?.close();
    await broker?.close();
  });

  it('uses the embedded store when QMB_INFLUX_URL is unset, and /readyz says so (and that the journal is SQLite)', async () => {
    assert.equal(broker.deps.sink.kind, 'embedded');
    const res = await call(broker.app, 'GET', '/readyz');
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.checks.sink.kind, 'embedded');
    assert.equal(res.json.checks.journal.kind, 'sqlite');
  });

  it('delivers every valid fixture (201 with ?wait=)', async () => {
    const failures: string[] = [];
    for (const table of loadFixtures()) {
      for (const c of table.valid) {
        const from = nowNs();
        const res = await call(broker.app, 'POST', '/api/v1/metrics?wait=10', { token: broker.token(), body: c.text });
        // Checked after the loop, so one refused fixture does not hide how the others were stored.
        if (res.status !== 201) failures.push(`${table.metric} / ${c.name}: ${res.status} ${res.json?.data ?? res.body}`);
        else {
          // A later point of the same series and time overwrites the earlier one's fields, as in InfluxDB.
          for (const p of expectedPoints(table.metric, c.payload, { from, to: nowNs() })) {
            const same = expected.find(
              (e) => typeof p.time === 'bigint' && e.time === p.time && e.database === p.database && e.measurement === p.measurement && JSON.stringify(e.tags) === JSON.stringify(p.tags),
            );
            if (same) same.fields = { ...same.fields, ...p.fields };
            else expected.push(p);
          }
        }
      }
    }
    store = new Database(path.join(broker.dataDir, 'store.sqlite'), { readonly: true });
    // InfluxDB takes all of them (field types are fixed per shard, and the fixtures' Score 21 and 12.5 are
    // ten weeks apart); the embedded store must not refuse what InfluxDB stores.
    assert.deepEqual(failures, []);
  });

  it('stores each point under its database, measurement and tags, with its fields and time', () => {
    const find = store
      .prepare(
        `SELECT s.db, s.measurement, s.tags, p.time, p.fields FROM series s JOIN points p ON p.series_id = s.id
         WHERE s.db = ? AND s.measurement = ?`,
      )
      .safeIntegers(true);
    for (const p of expected) {
      const rows = (find.all(p.database, p.measurement) as { tags: string; time: bigint; fields: string }[]).filter((r) => {
        const tags = JSON.parse(r.tags) as Record<string, string>;
        const sameTags = JSON.stringify(Object.entries(tags).sort()) === JSON.stringify(Object.entries(p.tags).sort());
        const sameTime = typeof p.time === 'bigint' ? r.time === p.time : r.time >= p.time.from && r.time <= p.time.to + 1000n;
        return sameTags && sameTime;
      });
      assert.equal(rows.length, 1, `${p.metric}: ${p.database}.${p.measurement} ${JSON.stringify(p.tags)} at ${timeText(p.time)}`);
      const fields = JSON.parse(rows[0]!.fields) as Record<string, unknown>;
      for (const [k, v] of Object.entries(p.fields)) assert.deepEqual(fields[k], expectedFieldJson(v), `${p.metric}: field ${k}`);
    }
  });

  it('records each field type by literal (integer, float, string, boolean)', () => {
    const types = store.prepare('SELECT type FROM field_types WHERE db = ? AND measurement = ? AND field = ?');
    for (const p of expected) {
      for (const [k, v] of Object.entries(p.fields)) {
        const row = types.get(p.database, p.measurement, k) as { type: string } | undefined;
        // The first write fixes the type (as InfluxDB does per shard); the fixtures' Score is 21 before 12.5.
        if (p.metric === 'tfa_complexity_stats' && k === 'Score') continue;
        assert.equal(row?.type, expectedFieldType(v), `${p.metric}: type of ${p.measurement}.${k}`);
      }
    }
  });

  it('keeps 5 and 5.0 apart, and refuses a later type change at acceptance (409 FIELD_TYPE_CONFLICT)', async () => {
    const a = await call(broker.app, 'POST', '/api/v1/metrics?wait=10', {
      token: broker.token(),
      body: churnPayload(5, '2021-10-10T10:10:10Z', 'embedded-types', { As_Float: num('5.0'), As_Int: num('5') }),
    });
    assert.equal(a.status, 201, a.body);
    const type = (f: string): unknown =>
      (store.prepare(`SELECT type FROM field_types WHERE db = 'TFA_CodeChurn' AND measurement = 'TFA_CodeChurn_Tracking' AND field = ?`).get(f) as { type: string } | undefined)?.type;
    assert.equal(type('As_Float'), 'float');
    assert.equal(type('As_Int'), 'integer');
    const raw = store
      .prepare(`SELECT p.fields FROM points p JOIN series s ON s.id = p.series_id WHERE s.tags LIKE '%embedded-types%'`)
      .get() as { fields: string };
    assert.match(raw.fields, /"As_Float":5\.0\b/);
    assert.match(raw.fields, /"As_Int":5\b(?!\.)/);

    const b = await call(broker.app, 'POST', '/api/v1/metrics?wait=10', {
      token: broker.token(),
      body: churnPayload(6, '2021-10-10T10:10:11Z', 'embedded-types', { As_Int: 'text' }),
    });
    assert.equal(b.status, 409, b.body);
    assert.equal(b.json.code, 'FIELD_TYPE_CONFLICT', b.body);
    assert.match(b.json.data, /field type conflict: field "As_Int" .* stored as integer .* sends string/);
    assert.equal(b.headers['x-submission-id'], undefined);
  });
});
