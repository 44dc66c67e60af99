// The data dir's disk fills up (a small tmpfs the test mounts; root only): payloads get 507
// STORAGE_FULL with Retry-After, never 500, /readyz reports it, and once space returns the broker
// accepts again by itself and delivers everything it acknowledged.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';
import { waitFor } from '../helpers/ports.js';
import { type Reply, churnPayload, httpCall, isErrorBody } from '../helpers/core-support.js';

/** Mounts a tmpfs of `size` on a fresh temp dir; undefined when this process cannot (not root). */
function mountTmpfs(size: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'qmb-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

function unmount(dir: string | undefined): void {
  if (!dir) return;
  execFileSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
}

const freeBytes = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

/** Fills the disk of `dir` with one file until only `leave` bytes are free (0: until ENOSPC). */
function fill(file: string, leave: number): void {
  const dir = path.dirname(file);
  if (leave > 0) {
    writeFileSync(file, Buffer.alloc(freeBytes(dir) - leave, 1));
    return;
  }
  const fd = openSync(file, 'w');
  try {
    for (const chunk of [1 << 20, 1 << 16, 1 << 12, 1 << 9]) {
      const buf = Buffer.alloc(chunk, 1);
      for (;;) {
        try {
          writeSync(fd, buf);
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** A tfa_code_churn payload of `points` points with distinct times, tagged `tag`. */
function payload(tag: string, n: number, points = 1): unknown {
  const one = churnPayload(0, '0', tag) as { data: Record<string, unknown>[] };
  const item = one.data[0]!;
  return {
    ...one,
    data: Array.from({ length: points }, (_, i) => ({ ...item, fields: { Lines_of_Change: n * 1000 + i }, time: String(1_600_000_000_000_000_000n + BigInt(n * 1000 + i) * 1_000_000_000n) })),
  };
}

const post = (b: BrokerProcess, body: unknown, route = '/api/v1/metrics'): Promise<Reply> => httpCall(b.url, 'POST', route, { token: b.token(), body });
const readyz = (b: BrokerProcess): Promise<Reply> => httpCall(b.url, 'GET', '/readyz');

function assertStorageFull(r: Reply, legacy = false): void {
  assert.equal(r.status, 507, `${r.status} ${r.body}`);
  assert.equal(r.json.code, 'STORAGE_FULL', r.body);
  assert.ok(isErrorBody(r.json, 507), r.body);
  assert.ok(Number(r.headers['retry-after']) > 0, 'Retry-After');
  if (!legacy) assert.equal(r.headers['x-submission-id'], undefined);
}

async function allDelivered(b: BrokerProcess, ids: number[]): Promise<void> {
  await waitFor(async () => {
    for (const id of ids) {
      const s = await httpCall(b.url, 'GET', `/api/v1/submissions/${id}`, { token: b.token() });
      if (s.json?.status !== 'delivered') return false;
    }
    return true;
  }, 60_000, `all ${ids.length} acknowledged submissions delivered`);
}

describe('disk full below QMB_MIN_FREE_BYTES', { timeout: 120_000 }, () => {
  let dir: string | undefined;
  let broker: BrokerProcess | undefined;

  before(async () => {
    dir = mountTmpfs('24m');
    if (dir) broker = await startBrokerProcess({ QMB_DATA_DIR: dir, QMB_MIN_FREE_BYTES: '4MiB', QMB_SHUTDOWN_TIMEOUT: '1s' });
  });

  after(async () => {
    await broker?.stop();
    unmount(dir);
  });

  it('refuses with 507 STORAGE_FULL and Retry-After before SQLite fails, /readyz 503, then recovers by itself', async (t) => {
    if (!dir || !broker) return t.skip('needs root to mount a small tmpfs');
    const b = broker;
    const first = await post(b, payload('full-before', 0));
    assert.equal(first.status, 202, first.body);
    const ready = await readyz(b);
    assert.equal(ready.status, 200, ready.body);
    assert.equal(ready.json.checks.storage.ok, true);
    assert.equal(ready.json.checks.storage.min_free_bytes, 4 * 1024 * 1024);

    const filler = path.join(dir, 'filler');
    fill(filler, 600 * 1024);
    await waitFor(async () => (await readyz(b)).status === 503, 10_000, '/readyz to report the disk');
    const low = await readyz(b);
    assert.equal(low.json.ready, false);
    assert.equal(low.json.checks.storage.ok, false);
    assert.ok(low.json.checks.storage.free_bytes < 4 * 1024 * 1024, low.body);
    assert.match(low.json.checks.storage.detail, /QMB_MIN_FREE_BYTES/);

    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(b, payload('full-refused', i + 1), i % 4 === 3 ? '/' : '/api/v1/metrics')));
    answers.forEach((r, i) => assertStorageFull(r, i % 4 === 3));
    assert.match(answers[0]!.json.data, /would be left free/, 'refused before the commit');

    rmSync(filler);
    await waitFor(async () => (await readyz(b)).status === 200, 10_000, '/readyz to be ready again');
    const ids = [Number(first.json.id)];
    for (let i = 0; i < 40; i++) {
      const r = await post(b, payload('full-after', i + 1));
      assert.equal(r.status, 202, r.body);
      ids.push(Number(r.json.id));
    }
    await allDelivered(b, ids);
  });
});

describe('disk full with QMB_MIN_FREE_BYTES=0: SQLite itself runs out of space', { timeout: 120_000 }, () => {
  let dir: string | undefined;
  let broker: BrokerProcess | undefined;

  before(async () => {
    dir = mountTmpfs('16m');
    if (dir) broker = await startBrokerProcess({ QMB_DATA_DIR: dir, QMB_MIN_FREE_BYTES: '0', QMB_SHUTDOWN_TIMEOUT: '1s' });
  });

  after(async () => {
    await broker?.stop();
    unmount(dir);
  });

  it('answers SQLITE_FULL with 507 STORAGE_FULL, never 500, and delivers every acknowledged payload once space returns', async (t) => {
    if (!dir || !broker) return t.skip('needs root to mount a small tmpfs');
    const b = broker;
    const ids: number[] = [];
    const first = await post(b, payload('sqlite-full', 0));
    assert.equal(first.status, 202, first.body);
    ids.push(Number(first.json.id));

    const filler = path.join(dir, 'filler');
    fill(filler, 0);
    const refused: Reply[] = [];
    for (let n = 1; n <= 200 && refused.length < 5; n++) {
      const r = await post(b, payload('sqlite-full', n, 200), n % 2 ? '/api/v1/metrics' : '/');
      if (r.status === 202 || r.status === 204) ids.push(Number(r.headers['x-submission-id']));
      else refused.push(r);
      assert.ok([202, 204, 507].includes(r.status), `never anything but accepted or 507: ${r.status} ${r.body}`);
    }
    assert.ok(refused.length > 0, 'the full disk was met');
    for (const r of refused) {
      assertStorageFull(r, true);
      // Not the free-space check (off at 0): SQLite's own SQLITE_FULL, answered the same way.
      assert.match(r.json.data, /commit ran out of space/);
    }
    const low = await readyz(b);
    assert.equal(low.status, 503, low.body);
    assert.equal(low.json.checks.storage.ok, false, low.body);

    rmSync(filler);
    await waitFor(async () => (await readyz(b)).status === 200, 10_000, '/readyz to be ready again');
    let again: Reply | undefined;
    await waitFor(async () => {
      again = await post(b, payload('sqlite-full-after', 1));
      assert.ok([202, 507].includes(again.status), again.body);
      return again.status === 202;
    }, 10_000, 'a payload accepted again');
    ids.push(Number(again!.json.id));
    await allDelivered(b, ids);
  });
});
