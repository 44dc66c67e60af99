// POST /api/v1/checks, GET /api/v1/checks[/{id}] and the budgets schema, on brokers over the embedded
// store and a private influxd, with the history pushed through POST /api/v1/metrics.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBroker } from '../../src/broker.js';
import type { CheckResult } from '../../src/check/result.js';
import { loadConfig } from '../../src/config.js';
import { StartupError } from '../../src/errors.js';
import { type InProcessBroker, startBrokerInProcess } from '../helpers/broker.js';
import { type Payload, day, imageSize, misra, tfmImageSize } from '../helpers/check-data.js';
import { type Influx, startInflux } from '../helpers/influxd.js';

const SIZES = { BL31_T: 100000, BL31_D: 40000, BL2_T: 30000 };

function history(): Payload[] {
  return ['c1', 'c2', 'c3'].flatMap((c, i) => [
    imageSize(c, [{ measurement: 'fvp-default', binMode: 'Debug', fields: { ...SIZES, BL31_T: SIZES.BL31_T + i * 10 } }], day(i + 1)),
    misra(c, 'fvp-rst-bl31', { mandatory: 0, required: 10, advisory: 5 }, day(i + 1)),
    tfmImageSize(c, [{ file: 'tfm_s.axf', bss: 1000, data: 200, text: 80000 }], day(i + 1)),
  ]);
}

/** The head of a change: BL31 2.5 KiB bigger (fail), a MISRA mandatory defect (fail), TF-M unchanged. */
function headPayloads(): Payload[] {
  return [
    imageSize('h1', [{ measurement: 'fvp-default', binMode: 'Debug', fields: { ...SIZES, BL31_T: 102520 } }], day(10)),
    misra('h1', 'fvp-rst-bl31', { mandatory: 1, required: 10, advisory: 5 }, day(10)),
    tfmImageSize('h1', [{ file: 'tfm_s.axf', bss: 1000, data: 200, text: 80000 }], day(10)),
  ];
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function request(b: InProcessBroker, method: 'GET' | 'POST', url: string, options: { body?: unknown; token?: string | null; type?: string } = {}): Promise<Answer> {
  const token = options.token === undefined ? b.token() : options.token;
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  if (options.body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  const res = await b.app.inject({
    method,
    url,
    headers,
    ...(options.body !== undefined ? { payload: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}

const check = (b: InProcessBroker, body: unknown, token?: string | null): Promise<Answer> => request(b, 'POST', '/api/v1/checks', { body, token });

function paths(a: Answer): string[] {
  return (a.body['errors'] as { path: string }[]).map((e) => e.path);
}

describe('the check routes on InfluxDB and on the embedded store', () => {
  let influx: Influx;
  const brokers: [string, InProcessBroker][] = [];
  const embedded = (): InProcessBroker => (brokers[1] as [string, InProcessBroker])[1];

  before(async () => {
    influx = await startInflux();
    brokers.push(['influxdb', await startBrokerInProcess({ QMB_INFLUX_URL: influx.url })], ['embedded', await startBrokerInProcess()]);
    for (const [, b] of brokers) {
      for (const p of history()) {
        const r = await request(b, 'POST', '/api/v1/metrics?wait=10', { body: p });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
    }
  });

  after(async () => {
    for (const [, b] of brokers) await b.close();
    await influx?.stop();
  });

  it('checks payloads against the first candidate holding each series, the same on both stores, and records the result', async () => {
    const answers: CheckResult[] = [];
    for (const [name, b] of brokers) {
      const r = await check(b, { head: { payloads: headPayloads() }, baseline: { revisions: ['c4', 'c3', 'c2'] }, record: true });
      assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.body)}`);
      const result = r.body as unknown as CheckResult;
      assert.equal(result.verdict, 'fail');
      assert.equal(typeof result.id, 'number');
      assert.deepEqual(result.baseline, { revisions: ['c3'], candidates_skipped: 1 });
      assert.deepEqual(result.head, { revisions: ['h1'] });
      const fails = result.rows.filter((x) => x.outcome === 'fail').map((x) => `${x.metric} ${x.series['field']}`);
      assert.deepEqual(fails.sort(), ['tfa_image_size BL31_total', 'tfa_misra_defects MandatoryDefects']);
      const total = result.rows.find((x) => x.series['field'] === 'BL31_total');
      assert.deepEqual([total?.base, total?.head, total?.delta, total?.baseline_revision], [140020, 142520, 2500, 'c3']);
      // Kept as answered: GET by id gives the same document.
      const got = await request(b, 'GET', `/api/v1/checks/${result.id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, r.body);
      const { id: _id, created_at: _at, ...rest } = result;
      answers.push(rest as CheckResult);
    }
    assert.deepEqual(answers[0], answers[1]);
  });

  it('reads head payloads with their number literals, as POST /api/v1/metrics does', async () => {
    // 1.6094592e18 is a whole number, but not written as one: ingest refuses it as a time.
    const text = JSON.stringify(headPayloads()[1]).replace(`"time":"${day(10)}"`, '"time":1.6094592e18');
    assert.ok(text.includes('1.6094592e18'));
    const validate = await request(embedded(), 'POST', '/api/v1/validate', { body: text });
    assert.equal(validate.body['code'], 'INVALID_POINT');
    const r = await check(embedded(), `{"head": {"payloads": [${text}]}, "baseline": {"revisions": ["c3"]}, "record": false}`);
    assert.equal(r.status, 400);
    assert.equal(r.body['code'], 'INVALID_POINT');
    assert.deepEqual(paths(r), paths(validate).map((p) => `/head/payloads/0${p}`));
    assert.deepEqual(paths(r), ['/head/payloads/0/data/0/time']);
  });

  it('a stored revision as the head', async () => {
    const r = await check(embedded(), { head: { revision: 'c3' }, baseline: { revisions: ['c2', 'c1'] }, record: false });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const result = r.body as unknown as CheckResult;
    assert.equal(result.id, null);
    assert.deepEqual(result.baseline, { revisions: ['c2'], candidates_skipped: 0 });
    assert.equal(result.rows.find((x) => x.series['field'] === 'BL31_T')?.outcome, 'warn');
    const none = await check(embedded(), { head: { revision: 'nope' }, baseline: { revisions: ['c2'] }, record: false });
    assert.equal(none.status, 400);
    assert.deepEqual(paths(none), ['/head/revision']);
  });

  it('refuses bodies that break the schema: 400 INVALID_REQUEST naming each problem by its JSON Pointer', async () => {
    const b = embedded();
    const missing = await check(b, {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body['code'], 'INVALID_REQUEST');
    assert.deepEqual(paths(missing), ['/head', '/baseline', '/record']);

    const typos = await check(b, { head: { payload: [] }, baseline: { revisions: 'c3' }, record: 'yes', recrod: true });
    assert.equal(typos.status, 400);
    const p = paths(typos);
    for (const want of ['/recrod', '/head/payloads', '/head/payload', '/baseline/revisions', '/record']) assert.ok(p.includes(want), `${want} in ${p.join(', ')}`);
    const errs = typos.body['errors'] as { path: string; message: string }[];
    assert.match(errs.find((e) => e.path === '/recrod')?.message ?? '', /did you mean "record"/);
    assert.match(errs.find((e) => e.path === '/record')?.message ?? '', /must be boolean, got string/);
    assert.match(String(typos.body['data']), /^request body is not valid: /);

    const empty = await check(b, { head: { payloads: [] }, baseline: { revisions: [] }, record: false });
    assert.equal(empty.status, 400);
    assert.ok(paths(empty).includes('/head/payloads'));
  });

  it('refuses a bad head payload with pointers into /head/payloads/N, as ingest would', async () => {
    const b = embedded();
    const bad = headPayloads();
    (bad[1] as { data: Record<string, unknown>[] }).data[0] = { measurement: 'x', tags: {}, fields: {} };
    const r = await check(b, { head: { payloads: bad }, baseline: { revisions: ['c3'] }, record: false });
    assert.equal(r.status, 400);
    assert.equal(r.body['code'], 'SCHEMA_VIOLATION');
    assert.ok(paths(r).length > 0);
    for (const x of paths(r)) assert.match(x, /^\/head\/payloads\/1\/data\/0(\/|$)/);
    assert.match(String(r.body['data']), /^\/head\/payloads\/1: payload does not match the schema of "tfa_misra_defects"/);

    const unknown = await check(b, { head: { payloads: [{ api_version: '1.0', metadata: { metrics: 'tfa_imagesize' }, data: [] }] }, baseline: { revisions: [] }, record: false });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body['code'], 'UNKNOWN_METRIC');
    assert.deepEqual(paths(unknown), ['/head/payloads/0/metadata/metrics']);
  });

  it('refuses bad budgets (BUDGETS_INVALID at /budgets/...) and bad waivers (/waivers/N)', async () => {
    const b = embedded();
    const budgets = await check(b, {
      head: { payloads: headPayloads() },
      baseline: { revisions: ['c3'] },
      budgets: { rules: [{ metric: 'tfa_image_size', max_increase_bytes: 'big' }, { metric: 'tfa_imagesize', max_increase: 1 }] },
      record: false,
    });
    assert.equal(budgets.status, 400);
    assert.equal(budgets.body['code'], 'BUDGETS_INVALID');
    assert.deepEqual(paths(budgets), ['/budgets/rules/0/max_increase_bytes']);
    const unknownMetric = await check(b, { head: { payloads: headPayloads() }, baseline: { revisions: ['c3'] }, budgets: { rules: [{ metric: 'tfa_imagesize', max_increase: 1 }] }, record: false });
    assert.equal(unknownMetric.status, 400);
    assert.deepEqual(paths(unknownMetric), ['/budgets/rules/0/metric']);

    const waivers = await check(b, { head: { payloads: headPayloads() }, baseline: { revisions: ['c3'] }, waivers: ['tfa_image_size **: fine', 'no reason'], record: false });
    assert.equal(waivers.status, 400);
    assert.equal(waivers.body['code'], 'INVALID_REQUEST');
    assert.deepEqual(paths(waivers), ['/waivers/1']);
  });

  it('applies budgets and waivers sent in the body', async () => {
    const r = await check(embedded(), {
      head: { payloads: headPayloads() },
      baseline: { revisions: ['c3'] },
      budgets: { defaults: 'none', rules: [{ metric: '*_image_size', match: { field: '*_total' }, max_increase_bytes: 4096 }] },
      waivers: ['tfa_misra_defects **/MandatoryDefects: vendor header', 'tfm_image_size **: unused'],
      record: false,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const result = r.body as unknown as CheckResult;
    assert.equal(result.rows.find((x) => x.series['field'] === 'BL31_total')?.outcome, 'pass');
    // defaults none: no builtin rule fails the mandatory defect, so the waiver has nothing to waive.
    assert.deepEqual(result.waivers, [
      { text: 'tfa_misra_defects **/MandatoryDefects: vendor header', used: false },
      { text: 'tfm_image_size **: unused', used: false },
    ]);
    assert.equal(result.verdict, 'pass');
  });

  it('any valid token may check; recording needs a user who may write every metric of the head (403 METRIC_FORBIDDEN)', async () => {
    const b = embedded();
    const body = { head: { payloads: headPayloads() }, baseline: { revisions: ['c3'] } };
    // `tfa` may write tfa_* only; the head has tfm_image_size (payload 2).
    const refused = await check(b, { ...body, record: true }, b.token('tfa'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body['code'], 'METRIC_FORBIDDEN');
    assert.deepEqual(paths(refused), ['/head/payloads/2/metadata/metrics']);
    const notRecorded = await check(b, { ...body, record: false }, b.token('tfa'));
    assert.equal(notRecorded.status, 200);
    assert.equal(notRecorded.body['id'], null);
    const byRevision = await check(b, { head: { revision: 'c3' }, baseline: { revisions: ['c2'] }, record: true }, b.token('tfa'));
    assert.equal(byRevision.status, 403);
    assert.deepEqual(paths(byRevision), ['/head/revision']);
    const anonymous = await check(b, { ...body, record: false }, null);
    assert.equal(anonymous.status, 401);
    const badToken = await check(b, { ...body, record: false }, 'not-a-token');
    assert.equal(badToken.status, 401);
  });

  it('takes JSON only: other content types 415, broken JSON 400 INVALID_JSON', async () => {
    const b = embedded();
    const text = await request(b, 'POST', '/api/v1/checks', { body: 'head=x', type: 'text/plain' });
    assert.equal(text.status, 415);
    const broken = await request(b, 'POST', '/api/v1/checks', { body: '{"head": ' });
    assert.equal(broken.status, 400);
    assert.equal(broken.body['code'], 'INVALID_JSON');
  });

  it('lists recorded checks by revision and verdict, newest first, with a limit; GET of an unknown id is 404', async () => {
    const b = embedded();
    const ids: number[] = [];
    for (const [revision, candidates] of [['c2', ['c1']], ['c3', ['c2']], ['c3', ['zz']]] as const) {
      const r = await check(b, { head: { revision }, baseline: { revisions: [...candidates] }, record: true });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      ids.push(r.body['id'] as number);
    }
    const list = async (q: string): Promise<Answer> => request(b, 'GET', `/api/v1/checks${q}`);
    const all = await list('');
    assert.equal(all.status, 200);
    const summaries = all.body['checks'] as Record<string, unknown>[];
    assert.ok(summaries.length >= 3);
    assert.deepEqual(summaries.slice(0, 3).map((s) => s['id']), [...ids].reverse());
    assert.equal('rows' in (summaries[0] as object), false);
    const ofC3 = (await list('?revision=c3')).body['checks'] as { id: number; head: { revisions: string[] } }[];
    assert.deepEqual(ofC3.map((s) => s.id), [ids[2], ids[1]]);
    const noBaseline = (await list('?revision=c3&verdict=no-baseline')).body['checks'] as { id: number; verdict: string }[];
    assert.deepEqual(noBaseline.map((s) => [s.id, s.verdict]), [[ids[2], 'no-baseline']]);
    const one = (await list('?limit=1')).body['checks'] as { id: number }[];
    assert.deepEqual(one.map((s) => s.id), [ids[2]]);

    const badQuery = await list('?limit=0&verdict=red');
    assert.equal(badQuery.status, 400);
    assert.equal(badQuery.body['code'], 'INVALID_REQUEST');
    assert.deepEqual(paths(badQuery).sort(), ['limit', 'verdict']);
    assert.equal((await request(b, 'GET', '/api/v1/checks/999999')).status, 404);
    const badId = await request(b, 'GET', '/api/v1/checks/abc');
    assert.equal(badId.status, 400);
    assert.deepEqual(paths(badId), ['id']);
    assert.equal((await request(b, 'GET', '/api/v1/checks', { token: null })).status, 401);
  });

  it('serves the budgets schema, equal to schemas/budgets.schema.json, without a token', async () => {
    const r = await request(embedded(), 'GET', '/api/v1/checks/budgets.schema.json', { token: null });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, JSON.parse(readFileSync('schemas/budgets.schema.json', 'utf8')));
  });
});

describe('checks.sqlite at start', () => {
  it('a damaged file stops the start naming it and the remedy', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qmb-checks-start-'));
    try {
      writeFileSync(path.join(dir, 'checks.sqlite'), 'this is not a database, it is a text file of some length to be sure');
      const config = loadConfig({}, { QMB_DATA_DIR: dir, QMB_SECRET_KEY: 'k'.repeat(40) });
      assert.throws(
        () => createBroker(config),
        (err: unknown) =>
          err instanceof StartupError &&
          err.file === path.join(dir, 'checks.sqlite') &&
          /cannot open the recorded checks .*checks\.sqlite: it is not an SQLite database.*move it out of the data dir: it holds only recorded checks/.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
