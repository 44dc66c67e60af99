// GET /api/v1/checks/{id}/history: a row's series revision by revision, with the check's base and head,
// on brokers over InfluxDB and the embedded store fed through POST /api/v1/metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CheckResult } from '../../src/check/result.js';
import { type InProcessBroker, startBrokerInProcess } from '../helpers/broker.js';
import { type Payload, complexity, day, imageSize, rtinstr } from '../helpers/check-data.js';
import { type Influx, startInflux } from '../helpers/influxd.js';

const T = [100000, 100010, 100020];

function history(): Payload[] {
  return ['c1', 'c2', 'c3'].flatMap((c, i) => [
    imageSize(c, [
      { measurement: 'fvp-default', binMode: 'Debug', fields: { BL31_T: T[i]!, BL31_D: 40000, BL2_T: 30000 } },
      { measurement: 'fvp-default', binMode: 'Release', fields: { BL31_T: 7, BL31_D: 7, BL2_T: 7 } },
    ], day(i + 1)),
    // Five samples per commit: the history kind compares medians.
    rtinstr(c, [1, 2, 3, 4, 5].map((k) => ({ tc: 'psci', core: 0, value: 1000 + 10 * i + k * k })), day(i + 1)),
  ]);
}

/** A change: BL31 2.5 KiB bigger than c3, latencies up. */
const headPayloads = (commit: string): Payload[] => [
  imageSize(commit, [{ measurement: 'fvp-default', binMode: 'Debug', fields: { BL31_T: 102520, BL31_D: 40000, BL2_T: 30000 } }], day(10)),
  rtinstr(commit, [1, 2, 3].map((k) => ({ tc: 'psci', core: 0, value: 2000 + k })), day(10)),
];

interface HistoryAnswer {
  check: number;
  row: number;
  metric: string;
  series: Record<string, string>;
  revision_tag: string | null;
  points: { revision: string; time: string; title?: string; value: number; min: number; max: number; samples: number }[];
  base: { revision: string; value: number | null } | null;
  head: { revision: string | null; value: number | null; stored: boolean } | null;
  truncated: boolean;
}

async function request(b: InProcessBroker, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await b.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${b.token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}

describe('a check row\'s history on InfluxDB and on the embedded store', () => {
  let influx: Influx;
  const brokers: [string, InProcessBroker][] = [];

  before(async () => {
    influx = await startInflux();
    brokers.push(['influxdb', await startBrokerInProcess({ QMB_INFLUX_URL: influx.url })], ['embedded', await startBrokerInProcess()]);
    for (const [, b] of brokers) {
      for (const p of history()) {
        const r = await request(b, 'POST', '/api/v1/metrics?wait=10', p);
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
    }
  });

  after(async () => {
    for (const [, b] of brokers) await b.close();
    await influx?.stop();
  });

  const record = async (b: InProcessBroker, head: unknown): Promise<CheckResult> => {
    const r = await request(b, 'POST', '/api/v1/checks', { head, baseline: { revisions: ['c3', 'c2', 'c1'] }, record: true });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as unknown as CheckResult;
  };
  const historyOf = async (b: InProcessBroker, result: CheckResult, pick: (r: CheckResult['rows'][number]) => boolean): Promise<HistoryAnswer> => {
    const row = result.rows.findIndex(pick);
    assert.ok(row >= 0);
    const r = await request(b, 'GET', `/api/v1/checks/${result.id}/history?row=${row}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as unknown as HistoryAnswer;
  };

  it('a head not stored: the stored revisions, the base marked, the head value from the row', async () => {
    const answers: unknown[] = [];
    for (const [name, b] of brokers) {
      const result = await record(b, { payloads: headPayloads('h1') });
      const total = await historyOf(b, result, (r) => r.series['field'] === 'BL31_total' && r.series['BinMode'] === 'Debug');
      assert.equal(total.metric, 'tfa_image_size', name);
      assert.deepEqual(total.series, { measurement: 'fvp-default', BinMode: 'Debug', field: 'BL31_total' });
      assert.equal(total.revision_tag, 'CommitID');
      // The derived total of the image's sections, per revision, in time order; only this build's points.
      assert.deepEqual(total.points.map((p) => [p.revision, p.value, p.title]), [['c1', 140000, 'commit c1'], ['c2', 140010, 'commit c2'], ['c3', 140020, 'commit c3']]);
      assert.deepEqual(total.points.map((p) => p.time), [1, 2, 3].map((i) => `${BigInt(Date.parse(day(i))) * 1_000_000n}`));
      assert.deepEqual(total.base, { revision: 'c3', value: 140020 });
      assert.deepEqual(total.head, { revision: 'h1', value: 142520, stored: false });

      const latency = await historyOf(b, result, (r) => r.metric === 'tfa_rtinstr');
      // Per revision: the median of its samples with the smallest and largest.
      assert.deepEqual(latency.points.map((p) => [p.revision, p.value, p.min, p.max, p.samples]), [
        ['c1', 1009, 1001, 1025, 5], ['c2', 1019, 1011, 1035, 5], ['c3', 1029, 1021, 1045, 5],
      ]);
      assert.equal(latency.base?.revision, 'c3');
      assert.equal(latency.head?.value, 2002);
      const { check: _c, ...rest } = total;
      answers.push(rest);
    }
    assert.deepEqual(answers[0], answers[1]);
  });

  it('a stored head is one of the points; complexity functions are found without their line number', async () => {
    for (const [name, b] of brokers) {
      for (const p of [...headPayloads('h2'), complexity('v1', [{ name: 'f', file: 'a.c', line: 10, score: 5 }], day(1), 4), complexity('v2', [{ name: 'f', file: 'a.c', line: 12, score: 14 }], day(2), 4)]) {
        const r = await request(b, 'POST', '/api/v1/metrics?wait=10', p);
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
      const result = await record(b, { revision: 'h2' });
      const total = await historyOf(b, result, (r) => r.series['field'] === 'BL31_total');
      assert.deepEqual(total.points.map((p) => p.revision), ['c1', 'c2', 'c3', 'h2'], name);
      assert.deepEqual(total.head, { revision: 'h2', value: 142520, stored: true });

      const r = await request(b, 'POST', '/api/v1/checks', { head: { revision: 'v2' }, baseline: { revisions: ['v1'] }, record: true });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const fn = await historyOf(b, r.body as unknown as CheckResult, (x) => x.metric === 'tfa_complexity_stats');
      assert.deepEqual(fn.series, { Location: 'a.c', Function_ID: 'f' });
      assert.deepEqual(fn.points.map((p) => [p.revision, p.value]), [['v1', 5], ['v2', 14]]);
      assert.deepEqual(fn.base, { revision: 'v1', value: 5 });
      assert.deepEqual(fn.head, { revision: 'v2', value: 14, stored: true });
    }
  });

  it('an unknown check is 404, a row out of range 400 naming the parameter', async () => {
    const [, b] = brokers[1]!;
    const unknown = await request(b, 'GET', '/api/v1/checks/99999/history?row=0');
    assert.equal(unknown.status, 404);
    const result = await record(b, { payloads: headPayloads('h3') });
    const out = await request(b, 'GET', `/api/v1/checks/${result.id}/history?row=${result.rows.length}`);
    assert.equal(out.status, 400);
    assert.equal(out.body['code'], 'INVALID_REQUEST');
    assert.deepEqual((out.body['errors'] as { path: string }[]).map((e) => e.path), ['row']);
    const missing = await request(b, 'GET', `/api/v1/checks/${result.id}/history`);
    assert.equal(missing.status, 400);
    const noToken = await b.app.inject({ method: 'GET', url: `/api/v1/checks/${result.id}/history?row=0` });
    assert.equal(noToken.statusCode, 401);
  });
});
