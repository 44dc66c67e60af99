// `qmb token` run against another data dir signs with another key: the 401 says what to check, and the
// start banner prints the token command that matches the running broker.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { CLI, type ServeProcess, cleanEnv, runQmb, spawnServe } from '../helpers/serve.js';
import { churnPayload, httpCall } from '../helpers/core-support.js';

const HINT = 'signed with another key? check QMB_SECRET_KEY / QMB_DATA_DIR';

describe('a token signed with the key of another data dir', { timeout: 60_000 }, () => {
  let brokerDir: string;
  let otherDir: string;
  let url: string;
  let broker: ServeProcess;

  before(async () => {
    brokerDir = mkdtempSync(path.join(tmpdir(), 'qmb-broker-'));
    otherDir = mkdtempSync(path.join(tmpdir(), 'qmb-other-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // As a new user would: no key configured, so the broker generates one into its data dir.
    broker = await spawnServe({ QMB_DATA_DIR: brokerDir, QMB_PORT: String(port), QMB_LOG_LEVEL: 'warn' }, (out) => out.includes('Dashboard:'));
    // The other data dir has its own "admin" (id 0), as one left by an earlier `npm start` would.
    const added = runQmb(['users', 'add', 'admin', '--id', '0', '--password-stdin'], { QMB_DATA_DIR: otherDir }, { input: 'another-password' });
    assert.equal(added.status, 0, added.stderr);
  });

  after(async () => {
    await broker?.stop();
    for (const dir of [brokerDir, otherDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is refused with the older body and a hint to check the key and the data dir', async () => {
    const minted = runQmb(['token', 'admin'], { QMB_DATA_DIR: otherDir });
    assert.equal(minted.status, 0, minted.stderr);
    const token = minted.stdout.trim();
    for (const route of ['/', '/api/v1/metrics']) {
      const res = await httpCall(url, 'POST', route, { token, body: churnPayload(1, '2021-03-01T00:00:00Z') });
      assert.equal(res.status, 401, `${route}: ${res.body}`);
      assert.equal(res.headers['www-authenticate'], 'JWT realm="Login Required"');
      assert.equal(res.json.code, 'TOKEN_INVALID');
      assert.equal(res.json.error, 'Invalid token');
      assert.equal(res.json.status_code, 401);
      // The older library's words come first, for clients that match on them.
      assert.match(res.json.description, /^Signature verification failed/);
      assert.ok(res.json.description.includes(HINT), res.json.description);
      assert.equal(res.json.data, res.json.description);
    }
  });

  it('gives no such hint for a malformed token', async () => {
    const res = await httpCall(url, 'POST', '/api/v1/metrics', { token: 'not-a-token', body: churnPayload(1, '2021-03-01T00:00:00Z') });
    assert.equal(res.status, 401, res.body);
    assert.equal(res.json.description, 'Token is malformed');
  });

  it('the start banner prints a token command that works from any directory', async () => {
    const line = /^\s*or: (.*qmb token admin)\s*$/m.exec(broker.output());
    assert.ok(line, `no token command in the banner:\n${broker.output()}`);
    const command = line[1] ?? '';
    assert.ok(command.includes(`QMB_DATA_DIR=${brokerDir}`), command);
    // Run it as printed, from another directory (where ./data is not the broker's), `npx qmb` being this CLI.
    const shell = spawnSync('sh', ['-c', command.replace(/\bnpx qmb\b/, `'${process.execPath}' '${CLI}'`)], { cwd: otherDir, env: cleanEnv(), encoding: 'utf8' });
    assert.equal(shell.status, 0, shell.stderr);
    const res = await httpCall(url, 'POST', '/api/v1/metrics', { token: shell.stdout.trim(), body: churnPayload(2, '2021-03-01T00:00:01Z') });
    assert.equal(res.status, 202, res.body);
  });
});
