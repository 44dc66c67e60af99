// deploy/docker-compose.yml and .env.example: parse, pinned images, mounted files exist, no secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SETTINGS } from '../../src/config.js';
import { DEFAULT_DASHBOARDS_PATH } from '../../src/grafana/index.js';
import { REPO_ROOT as root } from '../helpers/repo.js';

const deploy = path.join(root, 'deploy');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function load(file: string): Compose {
  return parse(readFileSync(path.join(deploy, file), 'utf8')) as Compose;
}

const compose = load('docker-compose.yml');
const services = compose.services;

/** Image tag is explicit, not `latest`, and names a version. */
function assertPinned(image: string): void {
  const m = /^[^:]+:([^:@]+)$/.exec(image);
  assert.ok(m, `${image}: no tag`);
  assert.notEqual(m[1], 'latest', `${image}: latest is not pinned`);
  assert.match(m[1] ?? '', /\d+\.\d+/, `${image}: tag names no version`);
}

test('compose file names the three services with pinned images', () => {
  assert.deepEqual(Object.keys(services).sort(), ['broker', 'grafana', 'influxdb']);
  for (const [name, s] of Object.entries(services)) {
    assert.ok(s.image, `${name}: no image`);
    assertPinned(s.image);
  }
  assert.match(services['influxdb']?.image ?? '', /^influxdb:1\.8\.\d+$/);
  assert.match(services['grafana']?.image ?? '', /^grafana\/grafana(-oss)?:\d+\.\d+\.\d+$/);
});

test('the broker is built from deploy/Dockerfile and starts after InfluxDB is healthy', () => {
  const broker = services['broker'];
  assert.ok(broker?.build);
  assert.ok(existsSync(path.join(deploy, broker.build.context, broker.build.dockerfile)));
  assert.ok(existsSync(path.join(deploy, broker.build.context, 'package.json')), 'build context is the repository root');
  assert.deepEqual(broker.depends_on?.['influxdb'], { condition: 'service_healthy' });
  assert.ok(services['influxdb']?.healthcheck?.test.join(' ').includes('/ping'));
  assert.equal(broker.environment?.['QMB_INFLUX_URL'], 'http://influxdb:8086');
});

test('every QMB_* variable given to the broker is a setting it knows', () => {
  for (const key of Object.keys(services['broker']?.environment ?? {})) {
    assert.ok(key in SETTINGS, `${key} is not in src/config.ts (the broker would refuse to start)`);
  }
});

test('ports 5000 and 3000 are published, InfluxDB only with the override file', () => {
  assert.match(services['broker']?.ports?.[0] ?? '', /:5000$/);
  assert.match(services['grafana']?.ports?.[0] ?? '', /:3000$/);
  assert.equal(services['influxdb']?.ports, undefined);
  const override = load('docker-compose.influxdb-port.yml');
  assert.match(override.services['influxdb']?.ports?.[0] ?? '', /:8086$/);
});

test('bind mounts name files in the repository, named volumes are declared', () => {
  for (const [name, s] of Object.entries(services)) {
    for (const v of s.volumes ?? []) {
      const [source = '', target = ''] = v.split(':');
      assert.ok(target.startsWith('/'), `${name}: ${v}`);
      if (source.startsWith('.')) {
        assert.ok(existsSync(path.join(deploy, source)), `${name}: ${source} does not exist in deploy/`);
      } else {
        assert.ok(compose.volumes && source in compose.volumes, `${name}: volume ${source} is not declared`);
      }
    }
  }
  const grafanaMounts = services['grafana']?.volumes ?? [];
  assert.ok(grafanaMounts.includes('./grafana/provisioning:/etc/grafana/provisioning:ro'));
  assert.ok(grafanaMounts.includes(`./grafana/dashboards:${DEFAULT_DASHBOARDS_PATH}:ro`), 'dashboards mounted where the provider looks');
});

test('secrets come from .env, and .env.example names every variable without a secret value', () => {
  const text = readFileSync(path.join(deploy, 'docker-compose.yml'), 'utf8');
  for (const [name, s] of Object.entries(services)) {
    for (const [key, value] of Object.entries(s.environment ?? {})) {
      if (/PASSWORD|SECRET_KEY|TOKEN/.test(key)) assert.match(String(value), /^\$\{[A-Z_]+/, `${name}: ${key} must come from .env`);
    }
  }
  const example = readFileSync(path.join(deploy, '.env.example'), 'utf8');
  const declared = new Map<string, string>();
  for (const line of example.split('\n')) {
    const m = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) declared.set(m[1] ?? '', m[2] ?? '');
  }
  const used = new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1] ?? ''));
  const override = readFileSync(path.join(deploy, 'docker-compose.influxdb-port.yml'), 'utf8');
  for (const m of override.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)) used.add(m[1] ?? '');
  for (const v of used) assert.ok(declared.has(v), `.env.example does not mention ${v}`);
  for (const [k, v] of declared) {
    if (/PASSWORD|SECRET_KEY/.test(k)) assert.equal(v, '', `.env.example must not carry a value for ${k}`);
  }
  // Required secrets stop compose with a message when missing.
  assert.match(text, /\$\{INFLUXDB_ADMIN_PASSWORD:\?/);
  assert.match(text, /\$\{GRAFANA_ADMIN_PASSWORD:\?/);
  const gitignore = readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n');
  assert.ok(gitignore.includes('.env'), '.env is ignored by git');
});

test('the TLS override gives the broker both certificate settings and mounts deploy/tls read-only, kept out of git', () => {
  const tls = load('docker-compose.tls.yml').services['broker'];
  const env = tls?.environment ?? {};
  for (const key of Object.keys(env)) assert.ok(key in SETTINGS, `${key} is not a broker setting`);
  assert.deepEqual(Object.keys(env).sort(), ['QMB_TLS_CERT', 'QMB_TLS_KEY']);
  assert.deepEqual(tls?.volumes, ['./tls:/tls:ro']);
  for (const file of Object.values(env)) assert.ok(String(file).startsWith('/tls/'), `${file} is not in the mounted folder`);
  assert.ok(existsSync(path.join(deploy, 'tls', '.gitignore')), 'deploy/tls exists and ignores the key files');
  assert.match(readFileSync(path.join(deploy, 'tls', '.gitignore'), 'utf8'), /^\*$/m);
});
