// Background checkpoints: commits reach the journal's database file from a worker thread, not from the committing connection.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { BackgroundCheckpointer } from '../../src/journal/checkpointer.js';
import { SqliteJournal } from '../../src/journal/sqlite-journal.js';
import { waitFor } from '../helpers/ports.js';

test('a journal with background checkpoints copies its WAL into the database file without any commit doing it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qmb-checkpoint-'));
  const journal = new SqliteJournal(dir, undefined, { backgroundCheckpoints: true });
  try {
    const before = statSync(journal.file).size;
    // About 800 KB in 20 commits: the WAL stays below the 1000 pages (4 MB) at which a connection
    // would checkpoint by itself (200 commits of 4 KB each went past it: the test could not fail).
    const lines = Array.from({ length: 400 }, (_, i) => `m,host=h${i} v=${'1'.repeat(90)}i 1`).join('\n');
    for (let i = 0; i < 20; i++) await journal.append({ metric: 'm', apiVersion: '1.0', database: 'A', userId: 1, points: 400, lines });
    await waitFor(() => statSync(journal.file).size > before + 500_000, 5000, 'the commits in the database file');
    assert.equal(journal.pendingSubmissions, 20);
  } finally {
    await journal.close();
  }
  // Reopened: everything is there.
  const again = new SqliteJournal(dir);
  try {
    assert.equal(again.pendingSubmissions, 20);
  } finally {
    await again.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when the checkpoint thread cannot run, the connections checkpoint by themselves again (the WAL does not grow without end)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qmb-checkpoint-'));
  const db = new Database(path.join(dir, 'journal.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    // The thread's file is not there: it fails as it starts, as it would on any error of its own.
    new BackgroundCheckpointer(path.join(dir, 'missing.sqlite'), [db]);
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'handed to the thread at first');
    await waitFor(() => db.pragma('wal_autocheckpoint', { simple: true }) === 1000, 5000, 'the connection to checkpoint by itself again');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
