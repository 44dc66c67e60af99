// `qmb export --to-influx`: every point of the embedded store lands in a real influxd, and a second
// run overwrites instead of duplicating.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { EmbeddedReadStore } from '../../src/embedded/read-store.js';
import { InfluxReadStore } from '../../src/influx/read-store.js';
import type { ReadStore } from '../../src/read/read-store.js';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';
import { type Influx, startInflux } from '../helpers/influxd.js';

const ALL = { from: 0n, to: 4_102_444_800_000_000_000n, where: {}, order: 'asc' as const };

/** Every row of every measurement of every database, as the read API would answer it. */
async function everything(store: ReadStore): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const db of await store.databases()) {
    for (const m of await store.measurements(db)) out[`${db}/${m}`] = (await store.rowsAnswer(db, { ...ALL, measurement: m })).rows;
  }
  return out;
}

describe('qmb export --to-influx', () => {
  let broker: BrokerProcess;
  let influx: Influx;
  const cliEnv: Record<string, string> = {};

  before(async () => {
    [broker, influx] = await Promise.all([startBrokerProcess(), startInflux()]);
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QMB_')) cliEnv[k] = v;
    const seeded = spawnSync(process.execPath, [path.resolve('dist/src/cli/main.js'), 'demo-data', '--url', broker.url, '--token', broker.token('ci')], { env: cliEnv, encoding: 'utf8' });
    assert.equal(seeded.status, 0, seeded.stderr);
    await broker.stop();
  });

  after(async () => {
    await influx?.stop();
    broker?.cleanup();
  });

  const runExport = (): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, [path.resolve('dist/src/cli/main.js'), 'export', '--to-influx', influx.url], {
      env: { ...cliEnv, QMB_DATA_DIR: broker.dataDir, QMB_SECRET_KEY: broker.secret },
      encoding: 'utf8',
    });

  it('copies every point, and a second run does not duplicate', async () => {
    const sqlite = new Database(path.join(broker.dataDir, 'store.sqlite'), { readonly: true });
    const stored = (sqlite.prepare('SELECT count(*) AS n FROM points').get() as { n: number }).n;
    const embedded = new EmbeddedReadStore(sqlite);
    const target = new InfluxReadStore({ url: influx.url });
    try {
      const first = runExport();
      assert.equal(first.status, 0, String(first.stderr));
      assert.match(String(first.stdout), new RegExp(`exported ${stored} points`));
      const source = await everything(embedded);
      assert.deepEqual(await everything(target), source);
      const counted = async (): Promise<number> => {
        let n = 0;
        for (const db of await target.databases()) {
          for (const m of await target.measurements(db)) n += (await target.rowsAnswer(db, { ...ALL, measurement: m })).rows.length;
        }
        return n;
      };
      assert.equal(await counted(), stored);
      const second = runExport();
      assert.equal(second.status, 0, String(second.stderr));
      assert.equal(await counted(), stored);
      assert.deepEqual(await everything(target), source);
      // Types survive: an integer field stays integer in InfluxDB.
      const types = await influx.query('TFA_MisraDefects', 'SHOW FIELD KEYS');
      assert.ok(types.every((s) => s.values.every((v) => v[1] === 'integer')), JSON.stringify(types));
    } finally {
      sqlite.close();
    }
  });

  it('fails with one line when the target is unreachable', () => {
    const res = spawnSync(process.execPath, [path.resolve('dist/src/cli/main.js'), 'export', '--to-influx', 'http://127.0.0.1:9'], {
      env: { ...cliEnv, QMB_DATA_DIR: broker.dataDir, QMB_SECRET_KEY: broker.secret },
      encoding: 'utf8',
    });
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /^qmb: .*unreachable/);
  });
});
