// A payload that would take a tag past the store's max-values-per-tag is refused before the 2xx
// (400 TAG_VALUES_LIMIT), on a real influxd and on the embedded store, which enforces the same limit.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { EmbeddedStore } from '../../src/embedded/store.js';
import { InfluxSink } from '../../src/influx/sink.js';
import { type BrokerProcess, startBrokerInProcess, startBrokerProcess } from '../helpers/broker.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { waitFor } from '../helpers/ports.js';
import { type Reply, call, httpCall, isErrorBody } from '../helpers/core-support.js';

const LIMIT = 50;
const TIME = '2021-08-03T10:00:00Z';

/** A tfa_image_size payload with one point per commit id (CommitID is a tag). */
function commits(measurement: string, ids: string[]): unknown {
  return {
    api_version: '1.0',
    metadata: { metrics: 'tfa_image_size' },
    data: ids.map((id, i) => ({
      measurement,
      fields: { BL31_T: 1000 + i },
      tags: { BinMode: 'Debug', CommitID: id, CommitTitle: 'tag limit' },
      time: TIME,
    })),
  };
}

const ids = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

function assertLimit(res: Reply, measurement: string, count: number, limit = LIMIT): void {
  assert.equal(res.status, 400, res.body);
  assert.ok(isErrorBody(res.json, 400), res.body);
  assert.equal(res.json.code, 'TAG_VALUES_LIMIT', res.body);
  assert.match(res.json.data, /tag "CommitID"/);
  assert.match(res.json.data, new RegExp(`measurement "${measurement}"`));
  assert.match(res.json.data, new RegExp(`\\b${count} distinct values\\b`));
  assert.match(res.json.data, new RegExp(`limit of ${limit}\\b`));
  assert.match(res.json.errors[0]?.path ?? '', /^\/data\/\d+\/tags\/CommitID$/);
  assert.equal(res.headers['x-submission-id'], undefined, 'nothing was journaled');
}

describe('tag values limit', { timeout: 240_000 }, () => {
  let influx: Influx;

  before(async () => {
    influx = await startInflux({ maxValuesPerTag: LIMIT });
  });

  after(async () => {
    await influx?.stop();
  });

  for (const store of ['influxdb', 'embedded'] as const) {
    describe(`at acceptance (${store})`, () => {
      let broker: BrokerProcess;
      const post = (body: unknown, route = '/api/v1/metrics?wait=10'): Promise<Reply> => httpCall(broker.url, 'POST', route, { token: broker.token(), body });
      const status = async (id: number): Promise<string> =>
        (await httpCall(broker.url, 'GET', `/api/v1/submissions/${id}`, { token: broker.token() })).json.status as string;

      before(async () => {
        broker = await startBrokerProcess({ QMB_MAX_VALUES_PER_TAG: String(LIMIT), ...(store === 'influxdb' ? { QMB_INFLUX_URL: influx.url } : {}) });
      });

      after(async () => {
        await broker?.stop();
        broker?.cleanup();
      });

      it(`one payload with ${LIMIT + 1} distinct values of a tag: 400 on both routes and on validate`, async () => {
        const body = commits(`tl-one-${store}`, ids('c', 0, LIMIT + 1));
        assertLimit(await post(body), `tl-one-${store}`, LIMIT + 1);
        assertLimit(await post(body, '/'), `tl-one-${store}`, LIMIT + 1);
        const dry = await post(body, '/api/v1/validate');
        assertLimit(dry, `tl-one-${store}`, LIMIT + 1);
        assert.equal(dry.json.valid, false);
      });

      it(`${LIMIT} values are stored; then a new value is refused and known values are still accepted`, async () => {
        const m = `tl-fill-${store}`;
        const full = await post(commits(m, ids('c', 0, LIMIT)));
        assert.equal(full.status, 201, full.body);
        assertLimit(await post(commits(m, ['c0', 'new-one'])), m, LIMIT + 1);
        const known = await post(commits(m, ['c7', 'c0', 'c49']));
        assert.equal(known.status, 201, known.body);
        // Other measurements count on their own.
        const other = await post(commits(`tl-other-${store}`, ['new-one']));
        assert.equal(other.status, 201, other.body);
      });

      it('values of payloads not yet delivered count too', async () => {
        const m = `tl-pending-${store}`;
        if (store === 'influxdb') {
          await influx.pause();
          try {
            const first = await post(commits(m, ids('p', 0, 30)), '/api/v1/metrics');
            assert.equal(first.status, 202, first.body);
            assertLimit(await post(commits(m, ids('q', 0, 30)), '/api/v1/metrics'), m, 60);
            const some = await post(commits(m, ids('q', 0, 20)), '/api/v1/metrics');
            assert.equal(some.status, 202, some.body);
            // Across a restart the journal's undelivered payloads still count.
            await broker.stop();
            await broker.start();
            assertLimit(await post(commits(m, ['q20']), '/api/v1/metrics'), m, LIMIT + 1);
          } finally {
            await influx.start();
          }
        } else {
          const [a, b] = await Promise.all([post(commits(m, ids('p', 0, 30)), '/api/v1/metrics'), post(commits(m, ids('q', 0, 30)), '/api/v1/metrics')]);
          assert.deepEqual([a.status, b.status].sort(), [202, 400], `${a.body} ${b.body}`);
          const accepted = a.status === 202 ? a : b;
          await waitFor(async () => (await status(accepted.json.id)) === 'delivered', 20_000, 'delivery');
        }
      });

      it('after a restart the counts come from the store', async () => {
        await broker.stop();
        await broker.start();
        const m = `tl-fill-${store}`;
        assertLimit(await post(commits(m, ['after-restart'])), m, LIMIT + 1);
        const known = await post(commits(m, ['c1']));
        assert.equal(known.status, 201, known.body);
      });

      if (store === 'influxdb') {
        it('once the series are dropped from InfluxDB, new values are taken again (counts are refreshed before refusing)', async () => {
          const m = `tl-fill-${store}`;
          assertLimit(await post(commits(m, ['after-drop'])), m, LIMIT + 1);
          await influx.query('TFA_ImageSize', `DROP MEASUREMENT "${m}"`);
          let last: Reply | undefined;
          await waitFor(async () => (last = await post(commits(m, ['after-drop']))).status !== 400, 30_000, 'a new value to be taken after the DROP');
          assert.equal(last!.status, 201, last!.body);
        });
      }
    });
  }

  it('the embedded store refuses what InfluxDB refuses, with the same message', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qmb-tag-limit-'));
    const embedded = new EmbeddedStore(dir, { maxValuesPerTag: LIMIT });
    const influxSink = new InfluxSink({ url: influx.url });
    try {
      await influxSink.createDatabase('tl_parity');
      const line = (v: string): string => `tl-parity,k=${v},other=x f=1i 1628000000000000000`;
      // InfluxDB checks against the count before the write: one write may pass the limit...
      const batch = ids('v', 0, LIMIT + 2).map(line);
      // ...after which every new value is dropped, known ones stored, with the first dropped named.
      const later = [line('v3'), line('w1'), line('w2')];
      const results: unknown[] = [];
      for (const sink of [influxSink, embedded]) {
        const first = await sink.write('tl_parity', batch);
        const second = await sink.write('tl_parity', later);
        results.push({ first: first.ok, second: second.ok ? 'ok' : { retry: second.retry, message: second.message } });
      }
      assert.deepEqual(results[0], {
        first: true,
        second: { retry: false, message: `partial write: max-values-per-tag limit exceeded (${LIMIT + 2}/${LIMIT}): measurement="tl-parity" tag="k" value="w1" dropped=2` },
      });
      assert.deepEqual(results[1], results[0]);
      // The same limit holds after the store is opened again.
      await embedded.close();
      const reopened = new EmbeddedStore(dir, { maxValuesPerTag: LIMIT });
      const again = await reopened.write('tl_parity', [line('w3')]);
      assert.equal(again.ok ? '' : again.message, `partial write: max-values-per-tag limit exceeded (${LIMIT + 2}/${LIMIT}): measurement="tl-parity" tag="k" value="w3" dropped=1`);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the default limit is 100,000, as InfluxDB\'s max-values-per-tag', async () => {
    const broker = await startBrokerInProcess({});
    try {
      const body = commits('tl-default', ids('d', 0, 100_001));
      const res = await call(broker.app, 'POST', '/api/v1/metrics', { token: broker.token(), body });
      assertLimit(res, 'tl-default', 100_001, 100_000);
    } finally {
      await broker.close();
    }
    assert.equal(loadConfig({}).maxValuesPerTag, 100_000);
  });
});
