// The /api/v1 surface: ?wait= answers, dry-run validation (route and `qmb validate`), catalog, headers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InProcessBroker } from '../helpers/broker.js';
import type { Influx } from '../helpers/influxd.js';
import { withInfluxBroker } from '../helpers/influx-broker.js';
import { call, churnPayload, isErrorBody, jsonText, loadFixtures, num } from '../helpers/core-support.js';

function qmb(dataDir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QMB_')) env[k] = v;
  const res = spawnSync(process.execPath, [path.resolve('dist/src/cli/main.js'), ...args], { env: { ...env, QMB_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 30_000 });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('the /api/v1 routes', { timeout: 60_000 }, () => {
  let influx: Influx;
  let broker: InProcessBroker;
  let dir: string;

  withInfluxBroker('in-process', {}, (s) => ({ influx, broker } = s));

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'qmb-core-api-'));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('?wait= answers 201 once delivered, with X-Submission-Id and Location; without it 202', async () => {
    const res = await call(broker.app, 'POST', '/api/v1/metrics?wait=10', { token: broker.token(), body: churnPayload(1, '2021-09-09T09:09:09Z', 'wait') });
    assert.equal(res.status, 201, res.body);
    assert.equal(res.json.status, 'delivered');
    assert.equal(res.json.points, 1);
    assert.equal(res.json.database, 'TFA_CodeChurn');
    assert.equal(res.headers['x-submission-id'], String(res.json.id));
    assert.equal(res.headers['location'], `/api/v1/submissions/${res.json.id}`);
    const rows = await influx.rows('TFA_CodeChurn', `SELECT * FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'wait'`);
    assert.equal(rows.length, 1, 'delivered means it is in InfluxDB');

    const later = await call(broker.app, 'POST', '/api/v1/metrics', { token: broker.token(), body: churnPayload(2, '2021-09-09T09:09:10Z', 'nowait') });
    assert.equal(later.status, 202, later.body);
    assert.deepEqual(Object.keys(later.json).filter((k) => ['id', 'status', 'database', 'points'].includes(k)).sort(), ['database', 'id', 'points', 'status']);
    const s = await call(broker.app, 'GET', `/api/v1/submissions/${later.json.id}?wait=5`, { token: broker.token() });
    assert.equal(s.status, 200);
    assert.equal(s.json.id, later.json.id);
  });

  it('a bad ?wait= value is a 400, an unknown submission a 404', async () => {
    for (const w of ['abc', '-1', '100000']) {
      const res = await call(broker.app, 'POST', `/api/v1/metrics?wait=${w}`, { token: broker.token(), body: churnPayload(1, '2021-09-09T09:09:09Z', 'badwait') });
      assert.equal(res.status, 400, `wait=${w}: ${res.body}`);
      assert.ok(isErrorBody(res.json, 400));
    }
    const missing = await call(broker.app, 'GET', '/api/v1/submissions/987654', { token: broker.token() });
    assert.equal(missing.status, 404);
    assert.ok(isErrorBody(missing.json, 404), missing.body);
  });

  it('POST /api/v1/validate answers the points and their line protocol and stores nothing', async () => {
    const before = (await broker.deps.journal.counts());
    const body = churnPayload(num('5'), '2020-09-08 15:22:45 +0100', 'validate x', { Ratio: num('5.0'), Note: 'say "hi"' });
    const res = await call(broker.app, 'POST', '/api/v1/validate', { token: broker.token(), body });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.valid, true);
    assert.equal(res.json.metric, 'tfa_code_churn');
    assert.equal(res.json.database, 'TFA_CodeChurn');
    assert.equal(res.json.points.length, 1);
    const p = res.json.points[0];
    assert.equal(p.measurement, 'TFA_CodeChurn_Tracking');
    assert.deepEqual(p.tags, { Base_Tag: 'v9.8', Git_Tag_Date: '20200908', Target_Tag: 'validate x' });
    assert.deepEqual(p.field_types, { Lines_of_Change: 'integer', Ratio: 'float', Note: 'string' });
    assert.equal(p.time, '1599574965000000000');
    assert.equal(
      res.json.line_protocol,
      'TFA_CodeChurn_Tracking,Base_Tag=v9.8,Git_Tag_Date=20200908,Target_Tag=validate\\ x Lines_of_Change=5i,Ratio=5,Note="say \\"hi\\"" 1599574965000000000',
    );
    assert.deepEqual((await broker.deps.journal.counts()), before, 'nothing journaled');
    const rows = await influx.rows('TFA_CodeChurn', `SELECT * FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'validate x'`);
    assert.equal(rows.length, 0);

    const bad = await call(broker.app, 'POST', '/api/v1/validate', { token: broker.token(), body: churnPayload('x', 'nope', 'validate') });
    assert.equal(bad.status, 400);
    assert.ok(isErrorBody(bad.json, 400), bad.body);
    const paths = (bad.json.errors as { path: string }[]).map((e) => e.path);
    assert.ok(paths.includes('/data/0/fields/Lines_of_Change'), JSON.stringify(paths));
  });

  it('qmb validate FILE exits 0 for valid files and 1 for invalid ones, with the server\'s messages', async () => {
    const table = loadFixtures().find((t) => t.metric === 'tfa_code_churn')!;
    const good = path.join(dir, 'good.json');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(good, table.valid[0]!.text);
    writeFileSync(bad, table.invalid[0]!.text);
    const ok = qmb(dir, 'validate', good);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /ok metric=tfa_code_churn database=TFA_CodeChurn points=1/);

    const server = await call(broker.app, 'POST', '/api/v1/validate', { token: broker.token(), body: table.invalid[0]!.text });
    assert.equal(server.status, 400);
    const failed = qmb(dir, 'validate', good, bad);
    assert.equal(failed.status, 1, failed.stdout + failed.stderr);
    assert.ok(failed.stdout.includes(server.json.data), `CLI shows the server message "${server.json.data}":\n${failed.stdout}`);
    assert.ok(failed.stdout.includes(server.json.code));
    for (const e of server.json.errors as { path: string; message: string }[]) {
      assert.ok(failed.stdout.includes(`${e.path || '/'}: ${e.message}`), `CLI lists ${e.path}: ${e.message}`);
    }
    const unreadable = qmb(dir, 'validate', path.join(dir, 'missing.json'));
    assert.equal(unreadable.status, 1);
    writeFileSync(path.join(dir, 'array.json'), jsonText([1, 2]));
    const array = qmb(dir, 'validate', path.join(dir, 'array.json'));
    assert.equal(array.status, 1);
    assert.match(array.stdout, /BODY_NOT_OBJECT/);
  });

  it('GET /api/v1/metrics lists the 12 metrics with versions and databases; the schema route serves each schema', async () => {
    const res = await call(broker.app, 'GET', '/api/v1/metrics', { token: broker.token() });
    assert.equal(res.status, 200);
    const metrics = res.json.metrics as { name: string; api_versions: string[]; database: string }[];
    assert.equal(metrics.length, 12);
    for (const m of metrics) {
      assert.ok(m.api_versions.includes('1.0'), m.name);
      const schema = await call(broker.app, 'GET', `/api/v1/metrics/${m.name}/schema?version=1.0`, { token: broker.token() });
      assert.equal(schema.status, 200, m.name);
      assert.equal(schema.json.type, 'object');
    }
    const unknown = await call(broker.app, 'GET', '/api/v1/metrics/nope/schema', { token: broker.token() });
    assert.equal(unknown.status, 404);
    assert.ok(isErrorBody(unknown.json, 404));
  });

  it('/healthz answers 200; responses carry distinct X-Request-Id values, an incoming one is not echoed', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await call(broker.app, 'GET', '/healthz', { headers: { 'x-request-id': 'client-chosen' } });
      assert.equal(res.status, 200);
      ids.add(String(res.headers['x-request-id']));
    }
    assert.equal(ids.size, 20);
    assert.ok(!ids.has('client-chosen'));
  });
  it('a user sees and retries only submissions of metrics they may write; bad paging is a 400', async () => {
    const tfm = {
      api_version: '1.0',
      metadata: { metrics: 'tfm_code_churn' },
      data: [{ measurement: 'TFM_CodeChurn_Tracking', fields: { Lines_of_Change: 3 }, tags: { Git_Tag_Date: '20210101', Base_Tag: 'a', Target_Tag: 'b' }, time: '2021-01-01' }],
    };
    const posted = await call(broker.app, 'POST', '/api/v1/metrics', { token: broker.token('ci'), body: tfm });
    assert.equal(posted.status, 202, posted.body);
    const id = posted.json.id as number;
    const mine = await call(broker.app, 'GET', '/api/v1/submissions?limit=1000', { token: broker.token('ci') });
    assert.ok((mine.json.submissions as { id: number }[]).some((x) => x.id === id), 'the writer (metrics *) sees it');
    const theirs = await call(broker.app, 'GET', '/api/v1/submissions?limit=1000', { token: broker.token('tfa') });
    assert.equal(theirs.status, 200);
    const listed = theirs.json.submissions as { metric: string }[];
    assert.ok(listed.length > 0, 'tfa sees the tfa_* submissions');
    assert.ok(listed.every((x) => x.metric.startsWith('tfa_')), JSON.stringify(listed.map((x) => x.metric)));
    assert.equal((await call(broker.app, 'GET', `/api/v1/submissions/${id}`, { token: broker.token('tfa') })).status, 404);
    assert.equal((await call(broker.app, 'POST', `/api/v1/submissions/${id}/retry`, { token: broker.token('tfa') })).status, 404);
    assert.equal((await call(broker.app, 'GET', `/api/v1/submissions/${id}`, { token: broker.token('ci') })).status, 200);
    const bad = await call(broker.app, 'GET', '/api/v1/submissions?before=abc', { token: broker.token('ci') });
    assert.equal(bad.status, 400, bad.body);
    assert.ok(isErrorBody(bad.json, 400));
  });

  it('/metrics labels validation failures only with known metric names', async () => {
    for (const name of ['junk_one', 'junk_two']) {
      const res = await call(broker.app, 'POST', '/api/v1/metrics', { token: broker.token(), body: { api_version: '1.0', metadata: { metrics: name }, data: [] } });
      assert.equal(res.status, 400);
    }
    const text = (await broker.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.doesNotMatch(text, /junk_/);
    assert.match(text, /qmb_validation_failures_total\{metric="unknown",code="UNKNOWN_METRIC"\} [1-9]/);
  });
  it('requests refused before any route (malformed URL, path tricks) get the JSON error body, never a 500', async () => {
    for (const url of ['/api/v1/submissions/%E0%A4%A', '/dashboard/..%5cpackage.json', '/dashboard/%2e%2e/package.json']) {
      const res = await broker.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${broker.token()}` } });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode} ${res.body}`);
      assert.ok(isErrorBody(res.json(), res.statusCode), `${url}: ${res.body}`);
      assert.ok(res.headers['x-request-id'], url);
    }
  });
});
