// `qmb --version` and `qmb serve --help`, as an operator runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SETTINGS } from '../../src/config.js';
import { runQmb } from '../helpers/producer-run.js';
import { REPO_ROOT } from '../helpers/repo.js';

test('qmb --version prints the version of the package', async () => {
  const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = await runQmb([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${version}\n`);
  }
});

test('qmb serve --help lists every setting with its variable, meaning and default', async () => {
  const r = await runQmb(['serve', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: qmb serve/m);
  assert.match(r.stdout, /^Settings \(environment variables; a JSON file named by QMB_CONFIG_FILE may hold the same keys/m);
  const listed = r.stdout.split('\n').filter((l) => /^ {2}QMB_/.test(l));
  assert.equal(listed.length, Object.keys(SETTINGS).length);
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const line = listed.find((l) => l.trimStart().startsWith(`${name} `));
    assert.ok(line, `${name} is not listed`);
    assert.ok(setting.help.length > 0 && line.includes(setting.help), `${name}: ${line}`);
    if (setting.default !== undefined) assert.ok(line.endsWith(`(default: ${setting.default})`), `${name}: ${line}`);
  }
  assert.match(r.stdout, /^ {2}QMB_MAX_BODY_BYTES +largest request body .*\(default: 16777216\)$/m);
});
