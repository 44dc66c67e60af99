// Grafana provisioning: data sources match the metric databases, dashboards only reference what
// is provisioned, and deploy/grafana is exactly what the generator writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_DASHBOARDS_PATH, DEFAULT_INFLUX_URL, provisioningFiles } from '../../src/grafana/index.js';
import { demoPayloads } from '../../src/cli/demo-data.js';
import { parseTime } from '../../src/ingest/time.js';
import { defaultRange } from '../helpers/grafana-time.js';
import { seedPayloads } from '../helpers/grafana-seed.js';
import { REPO_ROOT as root } from '../helpers/repo.js';

const grafanaDir = path.join(root, 'deploy', 'grafana');

interface DataSource {
  name: string;
  uid: string;
  type: string;
  access: string;
  url: string;
  database: string;
  user: string;
  jsonData: { dbName: string; version: string };
  secureJsonData: { password: string };
}
interface Ref {
  type?: string;
  uid?: string;
}
interface Target {
  refId: string;
  datasource: Ref;
  query: string;
  rawQuery: boolean;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: Ref;
  targets?: Target[];
  gridPos: { x: number; y: number; w: number; h: number };
  repeat?: string;
}
interface Variable {
  name: string;
  type: string;
  datasource?: Ref;
  query: string;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

const dataSources = (parse(readFileSync(path.join(grafanaDir, 'provisioning/datasources/quality-metrics.yaml'), 'utf8')) as { datasources: DataSource[] })
  .datasources;
const dashboards = readdirSync(path.join(grafanaDir, 'dashboards')).map(
  (f) => [f, JSON.parse(readFileSync(path.join(grafanaDir, 'dashboards', f), 'utf8')) as Dashboard] as const,
);

/** Databases named by the built-in metric definitions (metrics/<name>/metric.json). */
function metricDatabases(): Set<string> {
  const dir = path.join(root, 'metrics');
  return new Set(
    readdirSync(dir).map((m) => (JSON.parse(readFileSync(path.join(dir, m, 'metric.json'), 'utf8')) as { database: string }).database),
  );
}

test('deploy/grafana holds exactly what the generator writes for the default URL', () => {
  const expected = provisioningFiles();
  assert.deepEqual(filesUnder(grafanaDir).sort(), [...expected.keys()].sort());
  for (const [rel, content] of expected) {
    assert.equal(readFileSync(path.join(grafanaDir, rel), 'utf8'), content, `${rel} differs: run "qmb grafana export deploy/grafana"`);
  }
});

test('one InfluxQL data source per metric database, with stable unique uids', () => {
  assert.deepEqual(new Set(dataSources.map((d) => d.database)), metricDatabases());
  assert.equal(new Set(dataSources.map((d) => d.uid)).size, dataSources.length);
  for (const d of dataSources) {
    assert.equal(d.type, 'influxdb');
    assert.equal(d.access, 'proxy');
    assert.equal(d.url, DEFAULT_INFLUX_URL);
    assert.equal(d.jsonData.dbName, d.database, 'dbName and database agree (old and new Grafana)');
    assert.equal(d.jsonData.version, 'InfluxQL');
    assert.equal(d.user, '${INFLUX_USER}', 'credentials come from the environment');
    assert.equal(d.secureJsonData.password, '${INFLUX_PASSWORD}');
  }
});

test('another InfluxDB URL changes only the data source URLs', () => {
  const files = provisioningFiles({ influxUrl: 'https://metrics-db.example:8443/' });
  const ds = (parse(files.get('provisioning/datasources/quality-metrics.yaml') ?? '') as { datasources: DataSource[] }).datasources;
  assert.ok(ds.every((d) => d.url === 'https://metrics-db.example:8443'));
  for (const [rel, content] of provisioningFiles()) {
    if (!rel.includes('datasources')) assert.equal(files.get(rel), content);
  }
  assert.throws(() => provisioningFiles({ influxUrl: 'influxdb:8086' }), /--influx-url/);
});

test('the dashboard provider reads the folder the compose file mounts', () => {
  const provider = parse(readFileSync(path.join(grafanaDir, 'provisioning/dashboards/quality-metrics.yaml'), 'utf8')) as {
    providers: { type: string; options: { path: string } }[];
  };
  assert.equal(provider.providers.length, 1);
  assert.equal(provider.providers[0]?.type, 'file');
  assert.equal(provider.providers[0]?.options.path, DEFAULT_DASHBOARDS_PATH);
});

test('every data source uid a panel or variable references is provisioned', () => {
  const uids = new Set(dataSources.map((d) => d.uid));
  for (const [file, d] of dashboards) {
    for (const p of d.panels) {
      for (const ref of [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]) {
        if (ref) assert.ok(uids.has(ref.uid ?? ''), `${file} "${p.title}": unknown data source ${ref.uid}`);
      }
      if (p.targets) assert.ok(p.targets.length > 0 && p.targets.every((t) => t.rawQuery && t.query), `${file} "${p.title}"`);
    }
    for (const v of d.templating.list) {
      if (v.type === 'query') assert.ok(uids.has(v.datasource?.uid ?? ''), `${file} $${v.name}`);
    }
  }
});

test('dashboards: unique uids, built-in panel types only, a sane grid, known variables', () => {
  const builtIn = new Set(['row', 'timeseries', 'barchart', 'table', 'bargauge', 'stat', 'text']);
  const grafanaVariables = new Set(['timeFilter', '__interval', 'col', 'measurement', '__all']);
  assert.equal(new Set(dashboards.map(([, d]) => d.uid)).size, dashboards.length);
  assert.ok(dashboards.length >= 7);
  for (const [file, d] of dashboards) {
    const ids = d.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${file}: panel ids unique`);
    const names = new Set(d.templating.list.map((v) => v.name));
    for (const p of d.panels) {
      assert.ok(builtIn.has(p.type), `${file}: panel type ${p.type} needs a plugin`);
      assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24, `${file} "${p.title}" leaves the grid`);
      if (p.repeat) assert.ok(names.has(p.repeat));
      const texts = [p.title, ...(p.targets ?? []).map((t) => t.query)];
      for (const text of texts) {
        for (const m of text.matchAll(/\$\{?(\w+)/g)) {
          const name = m[1] ?? '';
          if (!grafanaVariables.has(name) && !name.startsWith('tag_')) assert.ok(names.has(name), `${file}: $${name} is not defined`);
        }
      }
    }
  }
});

test('the dashboards cover every metric database', () => {
  const used = new Set<string>();
  const byUid = new Map(dataSources.map((d) => [d.uid, d.database]));
  for (const [, d] of dashboards) {
    for (const p of d.panels) for (const t of p.targets ?? []) used.add(byUid.get(t.datasource.uid ?? '') ?? '');
  }
  assert.deepEqual(used, metricDatabases());
});

/** Every time a payload carries (point times, TF-M commit times), in milliseconds. */
function payloadTimes(value: unknown, out: number[] = []): number[] {
  if (Array.isArray(value)) for (const v of value) payloadTimes(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const t = k === 'time' || k === 'commit_time' ? parseTime(v) : undefined;
      if (t?.ok) out.push(Number(t.ns / 1_000_000n));
      else payloadTimes(v, out);
    }
  }
  return out;
}

test('every dashboard opens on a time range that holds the demo data, the fixtures and the seeded history', () => {
  const sets: [string, number[]][] = [
    ['qmb demo-data', payloadTimes(demoPayloads().map((p) => p.body))],
    ['the test seed and fixtures', payloadTimes(seedPayloads(path.join(root, 'test', 'fixtures', 'payloads')).map((p) => p.payload))],
  ];
  for (const [file, dashboard] of dashboards) {
    const range = defaultRange(dashboard as unknown as Record<string, unknown>);
    for (const [what, times] of sets) {
      assert.ok(times.length > 10, what);
      const first = Math.min(...times);
      const last = Math.max(...times);
      assert.ok(range.from <= first && range.to >= last, `${file}: ${JSON.stringify((dashboard as unknown as Record<string, unknown>)['time'])} misses ${what} (${new Date(first).toISOString()} .. ${new Date(last).toISOString()})`);
    }
  }
});
