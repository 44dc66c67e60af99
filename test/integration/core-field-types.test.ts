// A field type the store would refuse is refused before the 2xx: 409 FIELD_TYPE_CONFLICT on both ingest
// routes, in POST /api/v1/validate and `qmb validate --url`, on a real influxd and on the embedded store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { waitFor } from '../helpers/ports.js';
import { type Reply, httpCall, isErrorBody, jsonText, num } from '../helpers/core-support.js';
import { runQmb } from '../helpers/producer-run.js';

const DB = 'TFA_ImageSize';
// Mondays: InfluxDB's 7-day shard groups start on Mondays 00:00 UTC.
const WEEK_A = '2021-08-02';
const WEEK_B = '2021-08-16';

interface Item {
  value: unknown;
  time: string;
  field?: string;
  commit?: string;
}

/** A tfa_image_size payload (free measurement, numeric fields) of one point per item. */
function sizes(measurement: string, items: Item[]): unknown {
  return {
    api_version: '1.0',
    metadata: { metrics: 'tfa_image_size' },
    data: items.map((it) => ({
      measurement,
      fields: { [it.field ?? 'BL31_T']: it.value },
      tags: { BinMode: 'Debug', CommitID: it.commit ?? 'c1', CommitTitle: 'field types' },
      time: it.time,
    })),
  };
}

for (const store of ['influxdb', 'embedded'] as const) {
  describe(`field type conflicts at acceptance (${store})`, { timeout: 180_000 }, () => {
    let influx: Influx | undefined;
    let broker: BrokerProcess;
    let dir = '';

    const post = (body: unknown, route = '/api/v1/metrics?wait=10'): Promise<Reply> => httpCall(broker.url, 'POST', route, { token: broker.token(), body });
    const total = async (): Promise<number> => {
      const res = await httpCall(broker.url, 'GET', '/api/v1/submissions?limit=1', { token: broker.token() });
      const c = res.json.counts as Record<string, number>;
      return c['pending']! + c['delivered']! + c['rejected']!;
    };
    const status = async (id: number): Promise<string> =>
      (await httpCall(broker.url, 'GET', `/api/v1/submissions/${id}`, { token: broker.token() })).json.status as string;

    /** Checks a 409 FIELD_TYPE_CONFLICT answer naming the field, the stored and the sent type. */
    function assertConflict(res: Reply, field: string, stored: string, sent: string, pointer: string): void {
      assert.equal(res.status, 409, res.body);
      assert.ok(isErrorBody(res.json, 409), res.body);
      assert.equal(res.json.code, 'FIELD_TYPE_CONFLICT', res.body);
      assert.match(res.json.data, new RegExp(`"${field}"`));
      assert.match(res.json.data, new RegExp(`stored as ${stored}\\b`));
      assert.match(res.json.data, new RegExp(`sends ${sent}\\b`));
      assert.equal(res.json.errors[0]?.path, pointer, res.body);
      assert.equal(res.headers['x-submission-id'], undefined, 'nothing was journaled');
    }

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'qmb-field-types-'));
      if (store === 'influxdb') influx = await startInflux();
      broker = await startBrokerProcess(influx ? { QMB_INFLUX_URL: influx.url } : {});
    });

    after(async () => {
      await broker?.stop();
      broker?.cleanup();
      await influx?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a float for a field stored as integer in the same week: 409 on /api/v1/metrics and on POST /, nothing journaled', async () => {
      const first = await post(sizes('ft-basic', [{ value: 4731, time: `${WEEK_A}T10:00:00Z` }]));
      assert.equal(first.status, 201, first.body);
      const before = await total();
      const float = sizes('ft-basic', [{ value: num('4731.5'), time: `${WEEK_A}T11:00:00Z`, commit: 'c2' }]);
      assertConflict(await post(float), 'BL31_T', 'integer', 'float', '/data/0/fields/BL31_T');
      assertConflict(await post(float, '/api/v1/metrics'), 'BL31_T', 'integer', 'float', '/data/0/fields/BL31_T');
      // The older broker's clients ignore the status; a 4xx still beats a 204 and a silent drop.
      assertConflict(await post(float, '/'), 'BL31_T', 'integer', 'float', '/data/0/fields/BL31_T');
      assert.equal(await total(), before);
      // An integer for it is still welcome.
      const again = await post(sizes('ft-basic', [{ value: 4732, time: `${WEEK_A}T12:00:00Z`, commit: 'c3' }]));
      assert.equal(again.status, 201, again.body);
    });

    it('POST /api/v1/validate answers 409 valid:false; `qmb validate --url` reports it and fails; offline it passes', async () => {
      const float = sizes('ft-basic', [{ value: num('4731.5'), time: `${WEEK_A}T13:00:00Z` }]);
      const res = await post(float, '/api/v1/validate');
      assertConflict(res, 'BL31_T', 'integer', 'float', '/data/0/fields/BL31_T');
      assert.equal(res.json.valid, false);

      const bad = path.join(dir, 'float.json');
      const good = path.join(dir, 'int.json');
      writeFileSync(bad, jsonText(float));
      writeFileSync(good, jsonText(sizes('ft-basic', [{ value: 5, time: `${WEEK_A}T13:00:00Z` }])));
      const online = await runQmb(['validate', good, bad, '--url', broker.url, '--token', broker.token()]);
      assert.equal(online.code, 1, online.stdout + online.stderr);
      const lines = online.stdout.split('\n');
      assert.equal(lines[0], `${good}: ok metric=tfa_image_size database=${DB} points=1`);
      assert.match(lines[1] ?? '', new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid FIELD_TYPE_CONFLICT: .*"BL31_T".*stored as integer.*sends float`));
      assert.match(lines[2] ?? '', /^ {2}\/data\/0\/fields\/BL31_T: /);
      assert.match(online.stderr, /1 of 2 files invalid/);
      // The token may come from QMB_TOKEN, as for `qmb push`.
      const byEnv = await runQmb(['validate', bad, '--url', broker.url], { env: { QMB_TOKEN: broker.token() } });
      assert.equal(byEnv.code, 1, byEnv.stdout + byEnv.stderr);
      assert.match(byEnv.stdout, /invalid FIELD_TYPE_CONFLICT/);

      // Offline (no --url, even with QMB_URL set), without the stored types, the file is valid as before.
      const offline = await runQmb(['validate', bad], { env: { QMB_DATA_DIR: dir, QMB_URL: broker.url } });
      assert.equal(offline.code, 0, offline.stdout + offline.stderr);
      assert.match(offline.stdout, /: ok metric=tfa_image_size /);
    });

    it('the same field as a float in another week (another shard) is accepted and stored', async () => {
      const other = await post(sizes('ft-basic', [{ value: num('4731.5'), time: `${WEEK_B}T10:00:00Z` }]));
      assert.equal(other.status, 201, other.body);
      // One payload spanning two weeks may carry both types.
      const both = await post(
        sizes('ft-two-weeks', [
          { value: 1, time: `${WEEK_A}T10:00:00Z` },
          { value: num('2.5'), time: `${WEEK_B}T10:00:00Z` },
        ]),
      );
      assert.equal(both.status, 201, both.body);
      // ...and from then on each week keeps its own type.
      assertConflict(await post(sizes('ft-two-weeks', [{ value: 3, time: `${WEEK_B}T11:00:00Z` }])), 'BL31_T', 'float', 'integer', '/data/0/fields/BL31_T');
      if (influx) {
        const rows = await influx.rows(DB, `SELECT "BL31_T" FROM "ft-two-weeks"`);
        assert.deepEqual(rows.map((r) => r['BL31_T']), [1, 2.5]);
      }
    });

    it('points of one payload that disagree within a week: 409 naming the later point, as InfluxDB keeps the first and drops it', async () => {
      const mixed = sizes('ft-mixed', [
        { value: 7, time: `${WEEK_A}T10:00:00Z`, commit: 'm1' },
        { value: num('7.5'), time: `${WEEK_A}T10:00:01Z`, commit: 'm2' },
      ]);
      const res = await post(mixed);
      assertConflict(res, 'BL31_T', 'integer', 'float', '/data/1/fields/BL31_T');
      assert.match(res.json.errors[0].message, /\/data\/0/);
      if (influx) {
        // What InfluxDB itself does with the same two lines in one write: a partial write.
        const direct = await fetch(`${influx.url}/write?db=${DB}&precision=s`, {
          method: 'POST',
          body: 'ft-mixed-direct,BinMode=Debug BL31_T=7i 1627898400\nft-mixed-direct,BinMode=Debug BL31_T=7.5 1627898401',
        });
        assert.equal(direct.status, 400);
        assert.match(await direct.text(), /partial write: field type conflict: input field \\"BL31_T\\" on measurement \\"ft-mixed-direct\\" is type float, already exists as type integer dropped=1/);
        assert.deepEqual((await influx.rows(DB, 'SELECT "BL31_T" FROM "ft-mixed-direct"')).map((r) => r['BL31_T']), [7]);
      }
    });

    it('two payloads sent together with different types for a new field: one is accepted, the other refused', async () => {
      const [a, b] = await Promise.all([
        post(sizes('ft-race', [{ value: 1, time: `${WEEK_A}T10:00:00Z`, commit: 'r1' }]), '/api/v1/metrics'),
        post(sizes('ft-race', [{ value: num('1.5'), time: `${WEEK_A}T10:00:01Z`, commit: 'r2' }]), '/api/v1/metrics'),
      ]);
      const statuses = [a.status, b.status].sort();
      assert.deepEqual(statuses, [202, 409], `${a.body} ${b.body}`);
      const accepted = a.status === 202 ? a : b;
      await waitFor(async () => (await status(accepted.json.id)) === 'delivered', 20_000, 'the accepted payload to be delivered');
    });

    it('after a restart the stored types are known again', async () => {
      await broker.stop();
      await broker.start();
      assertConflict(await post(sizes('ft-basic', [{ value: num('1.25'), time: `${WEEK_A}T14:00:00Z` }])), 'BL31_T', 'integer', 'float', '/data/0/fields/BL31_T');
      assertConflict(await post(sizes('ft-two-weeks', [{ value: 4, time: `${WEEK_B}T12:00:00Z` }])), 'BL31_T', 'float', 'integer', '/data/0/fields/BL31_T');
      const otherWeek = await post(sizes('ft-basic', [{ value: num('1.25'), time: `${WEEK_B}T14:00:00Z` }]));
      assert.equal(otherWeek.status, 201, otherWeek.body);
    });

    if (store === 'influxdb') {
      it('a payload still waiting in the journal fixes the type, also across a broker restart', async () => {
        await influx!.pause();
        try {
          const pending = await post(sizes('ft-pending', [{ value: 10, time: `${WEEK_A}T10:00:00Z` }]), '/api/v1/metrics');
          assert.equal(pending.status, 202, pending.body);
          assertConflict(await post(sizes('ft-pending', [{ value: num('10.5'), time: `${WEEK_A}T10:00:01Z` }])), 'BL31_T', 'integer', 'float', '/data/0/fields/BL31_T');
          await broker.stop();
          await broker.start();
          assertConflict(await post(sizes('ft-pending', [{ value: num('10.5'), time: `${WEEK_A}T10:00:02Z` }])), 'BL31_T', 'integer', 'float', '/data/0/fields/BL31_T');
          await influx!.start();
          await waitFor(async () => (await status(pending.json.id)) === 'delivered', 40_000, 'the pending payload to be delivered');
        } finally {
          if (!influx!.running()) await influx!.start();
        }
      });

      it('once the conflicting data is dropped from InfluxDB, the other type is taken (the broker checks before it refuses)', async () => {
        const first = await post(sizes('ft-drop', [{ value: 8, time: `${WEEK_A}T10:00:00Z` }]));
        assert.equal(first.status, 201, first.body);
        const float = (n: number): unknown => sizes('ft-drop', [{ value: num('8.5'), time: `${WEEK_A}T10:00:0${n}Z` }]);
        assertConflict(await post(float(1)), 'BL31_T', 'integer', 'float', '/data/0/fields/BL31_T');
        await influx!.query(DB, 'DROP MEASUREMENT "ft-drop"');
        // A refusal the store confirmed stands for a few seconds; then the store is asked again.
        let last: Reply | undefined;
        await waitFor(async () => (last = await post(float(2))).status !== 409, 30_000, 'the float to be taken after the DROP');
        assert.equal(last!.status, 201, last!.body);
      });

      it('types written to InfluxDB by another client: known after a restart, learnt from a refused delivery, absent in other weeks', async () => {
        const write = async (lines: string): Promise<void> => {
          const res = await fetch(`${influx!.url}/write?db=${DB}&precision=s`, { method: 'POST', body: lines });
          assert.equal(res.status, 204, await res.text());
        };
        // Written before the broker starts: the broker reads it from InfluxDB.
        await write('ft-outside,BinMode=Debug BL31_T=5i 1627898400');
        await broker.stop();
        await broker.start();
        assertConflict(await post(sizes('ft-outside', [{ value: num('5.5'), time: `${WEEK_A}T11:00:00Z` }])), 'BL31_T', 'integer', 'float', '/data/0/fields/BL31_T');
        // In a week where InfluxDB has no value of the field, any type is fine.
        const free = await post(sizes('ft-outside', [{ value: num('5.5'), time: `${WEEK_B}T11:00:00Z` }]));
        assert.equal(free.status, 201, free.body);

        // Written behind the broker's back while it runs: the first payload is refused by InfluxDB
        // after its 2xx, and from then on the broker knows.
        await write('ft-behind,BinMode=Debug BL31_T=6i 1627898400');
        const late = await post(sizes('ft-behind', [{ value: num('6.5'), time: `${WEEK_A}T11:00:00Z` }]));
        assert.equal(late.status, 409, late.body);
        assert.equal(late.json.code, 'DATABASE_REJECTED', late.body);
        assertConflict(await post(sizes('ft-behind', [{ value: num('6.5'), time: `${WEEK_A}T12:00:00Z` }])), 'BL31_T', 'integer', 'float', '/data/0/fields/BL31_T');
      });
    }
  });
}
