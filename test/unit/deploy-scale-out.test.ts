// deploy/docker-compose.scale-out.yml: two brokers on a shared PostgreSQL journal behind a load
// balancer. Parses, pins its images, gives the brokers only settings they know, mounts files that
// exist, takes secrets from .env, and the balancer checks what decides whether a broker can take
// payloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SETTINGS } from '../../src/config.js';
import { haproxyReadyPattern } from '../helpers/haproxy-check.js';
import { REPO_ROOT as root } from '../helpers/repo.js';

const deploy = path.join(root, 'deploy');

interface Service {
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  command?: string[];
  entrypoint?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const text = readFileSync(path.join(deploy, 'docker-compose.scale-out.yml'), 'utf8');
const compose = parse(text, { merge: true }) as Compose;
const services = compose.services;
const brokers = Object.keys(services).filter((name) => name.startsWith('broker-'));
const haproxy = readFileSync(path.join(deploy, 'haproxy', 'haproxy.cfg'), 'utf8');

test('a PostgreSQL primary and standby, InfluxDB, two brokers and a balancer, images pinned', () => {
  assert.deepEqual(Object.keys(services).sort(), ['balancer', 'broker-a', 'broker-b', 'influxdb', 'pg-primary', 'pg-standby']);
  for (const [name, s] of Object.entries(services)) {
    assert.match(s.image ?? '', /^[^:]+:\d+\.\d+(\.\d+)?$/, `${name}: image not pinned to a version`);
  }
  assert.equal(services['pg-primary']?.image, services['pg-standby']?.image, 'the standby runs the primary\'s PostgreSQL version');
});

test('the primary acknowledges a commit only once a standby has it', () => {
  const settings = (services['pg-primary']?.command ?? []).filter((c) => c.includes('='));
  assert.ok(settings.includes('synchronous_commit=on'));
  const names = settings.find((s) => s.startsWith('synchronous_standby_names='));
  const standby = services['pg-standby']?.environment?.['STANDBY_NAME'] ?? '';
  assert.ok(standby !== '' && names?.includes(standby), `synchronous_standby_names (${names}) names the standby's cluster_name ${standby}`);
});

test('both brokers share one journal URL listing every PostgreSQL host, and use only settings they know', () => {
  const urls = new Set(brokers.map((b) => services[b]?.environment?.['QMB_JOURNAL_URL']));
  assert.equal(brokers.length, 2);
  assert.equal(urls.size, 1, 'both brokers use the same journal');
  const url = [...urls][0] ?? '';
  const hosts = /@([^/]+)\//.exec(url)?.[1]?.split(',').map((h) => h.split(':')[0]) ?? [];
  assert.deepEqual(hosts.sort(), ['pg-primary', 'pg-standby']);
  for (const b of brokers) {
    for (const key of Object.keys(services[b]?.environment ?? {})) assert.ok(key in SETTINGS, `${b}: ${key} is not a broker setting`);
    assert.equal(services[b]?.ports, undefined, `${b} is reached through the balancer only`);
  }
  assert.notDeepEqual(services['broker-a']?.volumes, services['broker-b']?.volumes, 'each broker has its own data volume');
});

test('the balancer sends traffic to both brokers and takes one out when its journal is not writable', () => {
  assert.match(services['balancer']?.ports?.[0] ?? '', /:5000$/);
  for (const b of brokers) assert.match(haproxy, new RegExp(`^\\s*server ${b} ${b}:5000 check`, 'm'), `haproxy.cfg does not check ${b}`);
  assert.match(haproxy, /http-check send meth GET uri \/readyz/);
  // The check reads the journal part of /readyz: a broker whose InfluxDB is down still takes payloads.
  const pattern = haproxyReadyPattern();
  const body = (journalOk: boolean, sinkOk: boolean) =>
    JSON.stringify({
      ready: journalOk && sinkOk,
      checks: {
        journal: { ok: journalOk, detail: 'x', pending_submissions: 0, pending_points: 0, limit_points: 1 },
        storage: { ok: true, detail: 'x', free_bytes: 1, min_free_bytes: 1 },
        sink: { ok: sinkOk, detail: 'x', failing_for_seconds: 0, kind: 'influxdb' },
      },
    });
  assert.ok(pattern.test(body(true, true)));
  assert.ok(pattern.test(body(true, false)), 'a broker with InfluxDB down stays in');
  assert.ok(!pattern.test(body(false, true)), 'a broker without a writable journal is taken out');
});

test('mounted files exist, scripts are executable, volumes are declared, secrets come from .env', () => {
  for (const [name, s] of Object.entries(services)) {
    for (const v of s.volumes ?? []) {
      const [source = ''] = v.split(':');
      if (source.startsWith('.')) {
        assert.ok(existsSync(path.join(deploy, source)), `${name}: ${source} does not exist in deploy/`);
        if (source.endsWith('.sh')) accessSync(path.join(deploy, source), constants.X_OK);
      } else {
        assert.ok(compose.volumes && source in compose.volumes, `${name}: volume ${source} is not declared`);
      }
    }
    for (const [key, value] of Object.entries(s.environment ?? {})) {
      if (/PASSWORD|SECRET_KEY/.test(key)) assert.match(String(value), /^\$\{[A-Z_]+/, `${name}: ${key} must come from .env`);
    }
  }
  assert.doesNotMatch(text, /postgres:\/\/[^:]+:(?!\$\{)[^@]+@/, 'no password written into a journal URL');
  const example = readFileSync(path.join(deploy, '.env.example'), 'utf8');
  for (const m of text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)) {
    assert.match(example, new RegExp(`^#?\\s*${m[1]}=`, 'm'), `.env.example does not mention ${m[1]}`);
  }
  assert.match(example, /^QMB_PG_PASSWORD=$/m);
  assert.match(example, /^QMB_REPLICATION_PASSWORD=$/m);
});
