// The delivery worker against a scripted store: order, retries, bisection of refused batches, missing databases.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Backoff } from '../../src/backoff.js';
import type { Journal } from '../../src/journal/journal.js';
import { SqliteJournal } from '../../src/journal/sqlite-journal.js';
import { DeliveryWorker } from '../../src/journal/worker.js';
import { waitFor } from '../helpers/ports.js';
import { ScriptedSink } from '../helpers/scripted-sink.js';

describe('delivery worker', () => {
  let dir: string;
  let journal: Journal;
  let sink: ScriptedSink;
  let worker: DeliveryWorker;

  const append = async (db: string, line: string, points = 1): Promise<number> =>
    (await journal.append({ metric: 'm', apiVersion: '1.0', database: db, userId: 1, points, lines: line })).id;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'qmb-worker-'));
    journal = new SqliteJournal(dir);
    sink = new ScriptedSink();
    worker = new DeliveryWorker({ journal, sink, batchMaxPoints: 3, backoff: new Backoff({ baseMs: 1, maxMs: 5 }) });
  });

  afterEach(async () => {
    worker.stop();
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers in acceptance order, in batches of at most batchMaxPoints', async () => {
    for (let i = 0; i < 7; i++) await append('A', `m v=${i}i ${i}`);
    worker.start();
    await waitFor(() => journal.pendingSubmissions === 0, 5000, 'delivery');
    const lines = sink.writes.flatMap((w) => w.lines.split('\n'));
    assert.deepEqual(lines, [0, 1, 2, 3, 4, 5, 6].map((i) => `m v=${i}i ${i}`));
    assert.ok(sink.writes.every((w) => w.lines.split('\n').length <= 3));
    assert.equal((await journal.counts()).delivered, 7);
  });

  it('retries a failing database with backoff without losing or reordering points', async () => {
    let failures = 0;
    sink.answer = () => (failures++ < 3 ? { ok: false, retry: true, message: 'connection refused' } : { ok: true });
    const id = await append('A', 'm v=1i 1');
    await append('A', 'm v=2i 2');
    worker.start();
    await waitFor(() => journal.pendingSubmissions === 0, 5000, 'delivery after retries');
    const s = (await journal.get(id))!;
    assert.equal(s.status, 'delivered');
    assert.equal(s.attempts, 4);
    assert.equal(s.lastError, null);
    const delivered = sink.writes.at(-1)!.lines;
    assert.equal(delivered, 'm v=1i 1\nm v=2i 2');
  });

  it('keeps other databases flowing while one is failing', async () => {
    sink.answer = (db) => (db === 'down' ? { ok: false, retry: true, message: 'unavailable' } : { ok: true });
    const stuck = await append('down', 'x v=1i 1');
    const fine = await append('up', 'y v=1i 1');
    worker.start();
    await waitFor(async () => (await journal.get(fine))!.status === 'delivered', 5000, 'the healthy database');
    assert.equal((await journal.get(stuck))!.status, 'pending');
    assert.match((await journal.get(stuck))!.lastError ?? '', /unavailable/);
  });

  it('finds the refused submission of a batch and delivers the rest', async () => {
    sink.answer = (_db, lines) =>
      lines.includes('bad') ? { ok: false, retry: false, status: 400, message: 'field type conflict' } : { ok: true };
    const a = await append('A', 'm v=1i 1');
    const bad = await append('A', 'm bad="x" 2');
    const c = await append('A', 'm v=3i 3');
    worker.start();
    await waitFor(() => journal.pendingSubmissions === 0, 5000, 'settling');
    assert.equal((await journal.get(a))!.status, 'delivered');
    assert.equal((await journal.get(c))!.status, 'delivered');
    const refused = (await journal.get(bad))!;
    assert.equal(refused.status, 'rejected');
    assert.equal(refused.lastError, 'field type conflict');
  });

  it('creates a missing database and writes again', async () => {
    let exists = false;
    sink.answer = (db) => (exists ? { ok: true } : { ok: false, retry: true, databaseMissing: true, status: 404, message: `database not found: "${db}"` });
    const orig = sink.createDatabase.bind(sink);
    sink.createDatabase = async (db: string) => {
      exists = true;
      await orig(db);
    };
    const id = await append('NEW', 'm v=1i 1');
    worker.start();
    await waitFor(async () => (await journal.get(id))!.status === 'delivered', 5000, 'delivery after creating the database');
    assert.deepEqual(sink.created, ['NEW']);
  });

  it('puts a retried rejected submission back and delivers it', async () => {
    let refuse = true;
    sink.answer = () => (refuse ? { ok: false, retry: false, status: 400, message: 'no' } : { ok: true });
    const id = await append('A', 'm v=1i 1');
    worker.start();
    await waitFor(async () => (await journal.get(id))!.status === 'rejected', 5000, 'rejection');
    assert.equal(journal.pendingPoints, 0);
    refuse = false;
    assert.equal(await journal.retry(id), true);
    await waitFor(async () => (await journal.get(id))!.status === 'delivered', 5000, 'delivery after retry');
    assert.equal(await journal.retry(id), false, 'a delivered submission cannot be retried');
  });

  it('keeps at most its bounds of undelivered lines in memory and delivers the evicted ones from disk', async () => {
    await journal.close();
    // Room for 3 points and 40 characters: most of what follows is evicted before delivery starts.
    journal = new SqliteJournal(dir, undefined, { lineCache: { points: 3, chars: 40 } });
    worker = new DeliveryWorker({ journal, sink, batchMaxPoints: 4, backoff: new Backoff({ baseMs: 1, maxMs: 5 }) });
    const expected: string[] = [];
    for (let i = 0; i < 10; i++) {
      const line = `m,host=h${i} v=${i}i ${i}`;
      expected.push(line);
      await append('A', line);
      const use = journal.lineCacheUse;
      assert.ok(use.submissions <= 3 && use.chars <= 40, `cache within its bounds after ${i + 1} appends: ${JSON.stringify(use)}`);
    }
    // Longer than the whole cache: never held in memory, still delivered.
    const long = `m,host=${'x'.repeat(60)} v=10i 10`;
    expected.push(long);
    await append('A', long);
    assert.ok(journal.lineCacheUse.chars <= 40);
    worker.start();
    await waitFor(() => journal.pendingSubmissions === 0, 5000, 'delivery');
    assert.deepEqual(sink.writes.flatMap((w) => w.lines.split('\n')), expected);
    assert.equal((await journal.counts()).delivered, 11);
    assert.deepEqual(journal.lineCacheUse, { submissions: 0, chars: 0 });
  });

  describe('with a linger', () => {
    // Payloads arriving one by one while the store answers at once: without a linger each write
    // takes the one or two submissions there are.
    const trickle = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        await append('A', `m v=${i}i ${i}`);
        await new Promise((r) => setImmediate(r));
      }
    };

    it('gathers payloads that trickle in into few writes, in order', async () => {
      // Long enough for 40 commits with fsync even on a slow CI disk.
      worker = new DeliveryWorker({ journal, sink, batchMaxPoints: 1000, lingerMs: 1000 });
      worker.start();
      await trickle(40);
      await waitFor(() => journal.pendingSubmissions === 0, 5000, 'delivery');
      assert.ok(sink.writes.length <= 3, `${sink.writes.length} writes for 40 payloads`);
      assert.deepEqual(
        sink.writes.flatMap((w) => w.lines.split('\n')),
        Array.from({ length: 40 }, (_, i) => `m v=${i}i ${i}`),
      );
    });

    it('writes at once when a tenth of a batch or more is waiting', async () => {
      worker = new DeliveryWorker({ journal, sink, batchMaxPoints: 20, lingerMs: 60_000 });
      for (let i = 0; i < 4; i++) await append('A', `m v=${i}i ${i}`);
      worker.start();
      await waitFor(() => journal.pendingSubmissions === 0, 5000, 'delivery without waiting out the linger');
      assert.equal(sink.writes.length, 1);
    });

    it('a retry after a failed write does not linger again: its backoff already let points gather', async () => {
      let failures = 0;
      sink.answer = () => (failures++ < 1 ? { ok: false, retry: true, message: 'connection refused' } : { ok: true });
      worker = new DeliveryWorker({ journal, sink, batchMaxPoints: 1000, lingerMs: 2000, backoff: new Backoff({ baseMs: 10, maxMs: 10 }) });
      await append('A', 'm v=1i 1');
      worker.start();
      // The first write lingers 2 s; the retry follows after the 5-10 ms backoff, not after another 2 s.
      await waitFor(() => sink.writes.length >= 1, 5000, 'the first write');
      const failedAt = Date.now();
      await waitFor(() => journal.pendingSubmissions === 0, 5000, 'the retry');
      assert.ok(Date.now() - failedAt < 1500, `retried ${Date.now() - failedAt} ms after the failure`);
      assert.equal(sink.writes.length, 2);
    });

    it('a stop during the linger starts no write', async () => {
      worker = new DeliveryWorker({ journal, sink, batchMaxPoints: 1000, lingerMs: 100 });
      worker.start();
      await append('A', 'm v=1i 1');
      worker.stop();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(sink.writes.length, 0);
      assert.equal(journal.pendingSubmissions, 1);
    });
  });
});
