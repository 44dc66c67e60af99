// `qmb grafana export DIR` as operators run it: writes the files of deploy/grafana for the default
// URL, points the data sources at another URL on request, and fails with one line on a bad URL.
import { type TestContext, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT as root } from '../helpers/repo.js';

const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/** An empty folder for one test, removed after it. */
function outputDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'qmb-grafana-export-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The data sources file an export wrote into `dir`. */
const dataSourcesOf = (dir: string): string => readFileSync(path.join(dir, 'provisioning/datasources/quality-metrics.yaml'), 'utf8');

function qmb(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('QMB_')));
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env });
}

test('qmb grafana export writes exactly deploy/grafana for the default URL', (t) => {
  const dir = outputDir(t);
  const r = qmb(['grafana', 'export', dir]);
  assert.equal(r.status, 0, r.stderr);
  const expected = path.join(root, 'deploy', 'grafana');
  const files = filesUnder(dir).sort();
  assert.deepEqual(files, filesUnder(expected).sort());
  for (const f of files) {
    assert.equal(readFileSync(path.join(dir, f), 'utf8'), readFileSync(path.join(expected, f), 'utf8'), `${f}: run "qmb grafana export deploy/grafana"`);
  }
});

test('--influx-url and --dashboards-path change the data sources and the provider only', (t) => {
  const dir = outputDir(t);
  const r = qmb(['grafana', 'export', dir, '--influx-url', 'http://10.1.2.3:8086', '--dashboards-path', '/var/lib/grafana/qm']);
  assert.equal(r.status, 0, r.stderr);
  const ds = dataSourcesOf(dir);
  assert.equal(ds.match(/url: "http:\/\/10\.1\.2\.3:8086"/g)?.length, 10);
  assert.ok(!ds.includes('influxdb:8086'));
  assert.match(readFileSync(path.join(dir, 'provisioning/dashboards/quality-metrics.yaml'), 'utf8'), /path: "\/var\/lib\/grafana\/qm"/);
});

test('a bad URL fails with one line and status 1', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qmb-grafana-export-'));
  try {
    const r = qmb(['grafana', 'export', dir, '--influx-url', 'influxdb:8086']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /--influx-url/);
    assert.deepEqual(readdirSync(dir), [], 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--time-from sets where every dashboard's default time range starts; a bad value fails with one line", (t) => {
  const dir = outputDir(t);
  const times = (): unknown[] =>
    readdirSync(path.join(dir, 'dashboards')).map((f) => (JSON.parse(readFileSync(path.join(dir, 'dashboards', f), 'utf8')) as { time: unknown }).time);
  assert.equal(qmb(['grafana', 'export', dir, '--time-from', 'now-2y']).status, 0);
  for (const time of times()) assert.deepEqual(time, { from: 'now-2y', to: 'now' });
  assert.equal(qmb(['grafana', 'export', dir, '--time-from', '2021-06-01']).status, 0);
  for (const time of times()) assert.deepEqual(time, { from: '2021-06-01T00:00:00.000Z', to: 'now' });
  const bad = qmb(['grafana', 'export', dir, '--time-from', 'last year']);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /^qmb: --time-from: "last year"/);
});

test('--influx-routes points each database\'s data source at its InfluxDB, as QMB_INFLUX_ROUTES does; a bad entry fails with one line', (t) => {
  const dir = outputDir(t);
  const r = qmb(['grafana', 'export', dir, '--influx-url', 'http://influx-a:8086', '--influx-routes', 'TFM_*=http://influx-b:8086,TFA_ImageSize=http://influx-c:8086']);
  assert.equal(r.status, 0, r.stderr);
  const ds = dataSourcesOf(dir);
  const urls = new Map([...ds.matchAll(/name: "([^"]+)"[\s\S]*?url: "([^"]+)"/g)].map((m) => [m[1], m[2]]));
  assert.equal(urls.size, 10);
  for (const [db, url] of urls) {
    const expected = db?.startsWith('TFM_') ? 'http://influx-b:8086' : db === 'TFA_ImageSize' ? 'http://influx-c:8086' : 'http://influx-a:8086';
    assert.equal(url, expected, db);
  }
  const bad = qmb(['grafana', 'export', dir, '--influx-routes', 'TFM_*']);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /^qmb: --influx-routes: entry "TFM_\*" is not DATABASE=URL/);
});
