// Every start-up failure of a file in the data dir names the file and says what to do: a damaged
// journal or embedded store, a broken users file, an emptied key file, a read-only data dir.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { type BrokerProcess, type StartAttempt, startBrokerProcess } from '../helpers/broker.js';

/** The one line `qmb` ends with when it refuses to start. */
function refusal(a: StartAttempt): string {
  assert.equal(a.started, false, 'the broker must refuse to start');
  assert.notEqual(a.code, 0);
  const line = a.stderr.trim().split('\n').at(-1) ?? '';
  assert.match(line, /^qmb: /, a.stderr);
  return line;
}

/** A broker that ran once (so every file of its data dir exists) and is stopped again. */
async function stoppedBroker(env: Record<string, string> = {}): Promise<BrokerProcess> {
  const b = await startBrokerProcess({ QMB_SHUTDOWN_TIMEOUT: '1s', ...env });
  assert.equal(await b.stop(), 0);
  return b;
}

describe('start-up failures name the file and what to do', { timeout: 120_000 }, () => {
  const brokers: BrokerProcess[] = [];
  const use = async (env: Record<string, string> = {}): Promise<BrokerProcess> => {
    const b = await stoppedBroker(env);
    brokers.push(b);
    return b;
  };

  after(async () => {
    for (const b of brokers) {
      await b.stop();
      b.cleanup();
    }
  });

  it('journal.sqlite that is not a database', async () => {
    const b = await use();
    const file = path.join(b.dataDir, 'journal.sqlite');
    writeFileSync(file, 'this is not an SQLite file, only text that took its place\n'.repeat(200));
    const line = refusal(await b.attempt());
    assert.ok(line.includes(file), line);
    assert.match(line, /not an SQLite database|not a database/);
    assert.match(line, /backup/);
    assert.match(line, /qmb serve --new-journal/);
    assert.match(line, /docs\/runbook\.md/);
  });

  it('store.sqlite that is not a database', async () => {
    const b = await use();
    const file = path.join(b.dataDir, 'store.sqlite');
    writeFileSync(file, 'garbage '.repeat(1000));
    const line = refusal(await b.attempt());
    assert.ok(line.includes(file), line);
    assert.match(line, /embedded store/);
    assert.match(line, /backup/);
    assert.match(line, /docs\/runbook\.md/);
  });

  it('store.sqlite whose pages are damaged (database disk image is malformed)', async () => {
    const b = await use();
    const file = path.join(b.dataDir, 'store.sqlite');
    // Keep the 100-byte header, garble the schema page behind it.
    const damaged = Buffer.alloc(8192, 0x5a);
    readFileSync(file).copy(damaged, 0, 0, 100);
    writeFileSync(file, damaged);
    const line = refusal(await b.attempt());
    assert.ok(line.includes(file), line);
    assert.match(line, /damaged|malformed/);
    assert.match(line, /docs\/runbook\.md/);
  });

  it('users.json that is not JSON', async () => {
    const b = await use();
    const file = path.join(b.dataDir, 'users.json');
    writeFileSync(file, '{"users": [');
    const line = refusal(await b.attempt());
    assert.ok(line.includes(file), line);
    assert.match(line, /backup|qmb users add/);
    assert.match(line, /docs\/runbook\.md/);
  });

  it('secret.key emptied', async () => {
    // The generated key file is used only when no key is configured.
    const b = await use({ QMB_SECRET_KEY: '' });
    const file = path.join(b.dataDir, 'secret.key');
    writeFileSync(file, '');
    const line = refusal(await b.attempt());
    assert.ok(line.includes(file), line);
    assert.doesNotMatch(line, /QMB_SECRET_KEY:/, 'the key came from the file, not from the variable');
    assert.match(line, /backup/);
    assert.match(line, /docs\/runbook\.md/);
  });

  it('a read-only data dir (root only: mounts a tmpfs and remounts it read-only)', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to mount a tmpfs');
    const dir = mkdtempSync(path.join(tmpdir(), 'qmb-ro-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', dir]);
    } catch {
      rmSync(dir, { recursive: true, force: true });
      return t.skip('cannot mount a tmpfs here');
    }
    try {
      const b = await stoppedBroker({ QMB_DATA_DIR: dir });
      execFileSync('mount', ['-o', 'remount,ro', dir]);
      const line = refusal(await b.attempt());
      assert.ok(line.includes(dir), line);
      assert.match(line, /read-only/);
      assert.match(line, /docs\/runbook\.md/);
    } finally {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
