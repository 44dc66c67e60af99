// The operator docs stay in step with the code: every setting is described, the runbook names
// real metrics and verbs, and the docs carry no path of a build machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLIENT_VARIABLES, SETTINGS } from '../../src/config.js';
import { REPO_ROOT as root } from '../helpers/repo.js';

const read = (name: string) => readFileSync(path.join(root, 'docs', name), 'utf8');
const DOCS = ['deploy.md', 'upgrade-from-legacy.md', 'backup.md', 'configuration.md', 'runbook.md', 'scale-out.md'];

test('configuration.md describes every QMB_* setting of src/config.ts with its default', () => {
  const doc = read('configuration.md');
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const row = doc.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${name}\``));
    assert.ok(row, `${name} is not in docs/configuration.md`);
    if (setting.default !== undefined) assert.ok(row.includes(`\`${setting.default}\``), `${name}: default ${setting.default} not shown`);
  }
  for (const m of doc.matchAll(/`(QMB_[A-Z_]+)`/g)) {
    const name = m[1] ?? '';
    assert.ok(name in SETTINGS || CLIENT_VARIABLES.has(name), `${name} is documented but unknown`);
  }
});

test('the runbook covers the three incidents with the real verbs and metric names', () => {
  const doc = read('runbook.md');
  for (const heading of ['InfluxDB is down', 'journal is filling', 'payloads rejected']) {
    assert.match(doc, new RegExp(`^## .*${heading}`, 'im'), heading);
  }
  for (const s of ['qmb submissions list --status rejected', 'qmb submissions retry', '/readyz', 'qmb_journal_pending_points', 'qmb_rejected_submissions_total']) {
    assert.ok(doc.includes(s), `runbook does not mention ${s}`);
  }
});

test('the docs exist, link each other correctly and hold no machine-specific path', () => {
  for (const name of DOCS) {
    const doc = read(name);
    assert.doesNotMatch(doc, /\/work\/|\/home\/[a-z]|\/tmp\/qmb-/, `${name} holds a local path`);
    for (const m of doc.matchAll(/\]\(([a-z-]+\.md)(#[^)]*)?\)/g)) {
      assert.ok(DOCS.includes(m[1] ?? '') || ['metrics.md', 'ci-authors.md', 'read-api.md', 'dashboard.md', 'performance.md', 'gate.md'].includes(m[1] ?? ''), `${name} links ${m[1]}`);
    }
  }
  const upgrade = read('upgrade-from-legacy.md');
  for (const s of ['QMB_SECRET_KEY', 'QMB_ALLOW_WEAK_SECRET=1', '--id', '--password-stdin']) assert.ok(upgrade.includes(s), `upgrade guide lacks ${s}`);
});

test('deploy.md tells Docker users where the first password is, how to serve HTTPS and what the dashboards show first', () => {
  const doc = read('deploy.md');
  for (const s of ['docker compose logs broker', 'Created the first user "admin"', 'QMB_TLS_CERT', 'QMB_TLS_KEY', 'docker-compose.tls.yml', 'reverse proxy', 'NODE_EXTRA_CA_CERTS', '--time-from', 'time picker']) {
    assert.ok(doc.includes(s), `deploy.md does not mention ${s}`);
  }
  const compose = readFileSync(path.join(root, 'deploy', 'docker-compose.yml'), 'utf8');
  assert.match(compose.split('\n').filter((l) => l.startsWith('#')).join('\n'), /docker compose logs broker/, 'the compose file header names where the first password is printed');
});
