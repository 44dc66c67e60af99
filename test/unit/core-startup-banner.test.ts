// The start banner's commands name this broker's data dir, users file and key source.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { shellWord, startBanner } from '../../src/cli/banner.js';
import { loadConfig } from '../../src/config.js';

const tokenLine = (lines: string[]): string => lines.find((l) => l.includes('token admin')) ?? '';

describe('start banner', () => {
  it('prints the data dir in the token and users commands', () => {
    const config = loadConfig({}, { QMB_DATA_DIR: 'some dir/data' });
    const dir = path.resolve('some dir/data');
    const lines = startBanner(config, { url: 'http://0.0.0.0:5000', password: 'pw123456' });
    assert.equal(tokenLine(lines), `  or: QMB_DATA_DIR='${dir}' npx qmb token admin`);
    assert.ok(lines.some((l) => l.includes(`add more with: QMB_DATA_DIR='${dir}' npx qmb users add NAME --password-stdin`)), lines.join('\n'));
    assert.equal(lines[0], `Quality Metrics Broker listening on http://127.0.0.1:5000, writing to the embedded store in ${dir}`);
  });

  it('adds a users file, a key file, a weak key and a token lifetime that differ from the defaults', () => {
    const config = loadConfig({}, {
      QMB_DATA_DIR: '/srv/qmb',
      QMB_USERS_FILE: '/etc/qmb/users.json',
      QMB_SECRET_KEY_FILE: 'keys/jwt.key',
      QMB_ALLOW_WEAK_SECRET: '1',
      QMB_TOKEN_TTL: '30d',
    });
    const expected = `QMB_DATA_DIR=/srv/qmb QMB_USERS_FILE=/etc/qmb/users.json QMB_SECRET_KEY_FILE=${path.resolve('keys/jwt.key')} QMB_ALLOW_WEAK_SECRET=1 QMB_TOKEN_TTL=2592000s npx qmb token admin`;
    assert.equal(tokenLine(startBanner(config, { url: 'http://127.0.0.1:5000', password: undefined })), `  or: ${expected}`);
  });

  it('says the key must be given, without printing it', () => {
    const config = loadConfig({}, { QMB_DATA_DIR: '/srv/qmb', QMB_SECRET_KEY: 'k'.repeat(40) });
    const lines = startBanner(config, { url: 'http://127.0.0.1:5000', password: undefined });
    assert.ok(!lines.join('\n').includes('k'.repeat(40)));
    assert.ok(lines.some((l) => l.includes("with the broker's QMB_SECRET_KEY in the environment")), lines.join('\n'));
  });

  it('quotes words for the shell only when needed', () => {
    assert.equal(shellWord('/srv/qmb-data_1'), '/srv/qmb-data_1');
    assert.equal(shellWord("/srv/it's here"), `'/srv/it'\\''s here'`);
  });
});
