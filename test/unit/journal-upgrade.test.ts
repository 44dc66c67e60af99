// A journal written before submissions counted their duplicates opens, keeps its work, and gains the columns.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteJournal } from '../../src/journal/sqlite-journal.js';

// The submissions table as the first release created it.
const FIRST_SCHEMA = `
CREATE TABLE submissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, metric TEXT NOT NULL, api_version TEXT NOT NULL, database TEXT NOT NULL,
  user_id INTEGER, points INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'rejected')),
  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, received_at INTEGER NOT NULL, delivered_at INTEGER, updated_at INTEGER NOT NULL
);
CREATE TABLE submission_lines (id INTEGER PRIMARY KEY, lines TEXT NOT NULL);
INSERT INTO submissions (metric, api_version, database, user_id, points, status, received_at, updated_at) VALUES ('m', '1.0', 'db', 1, 2, 'pending', 1, 1);
INSERT INTO submission_lines (id, lines) VALUES (1, 'm x=1i 1\nm x=2i 2');
`;

it('an older journal gains duplicates columns and keeps its pending submission', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qmb-journal-upgrade-'));
  try {
    const old = new Database(path.join(dir, 'journal.sqlite'));
    old.exec(FIRST_SCHEMA);
    old.close();
    const journal = new SqliteJournal(dir);
    try {
      assert.equal(journal.pendingPoints, 2);
      assert.deepEqual({ ...(await journal.get(1)), receivedAt: 0, updatedAt: 0 }, {
        id: 1, metric: 'm', apiVersion: '1.0', database: 'db', userId: 1, points: 2, duplicates: 0, duplicateItems: [],
        status: 'pending', attempts: 0, lastError: null, receivedAt: 0, deliveredAt: null, updatedAt: 0,
      });
      const added = await journal.append({ metric: 'm', apiVersion: '1.0', database: 'db', userId: 1, points: 1, duplicates: 2, duplicateItems: [1, 2], lines: 'm x=3i 3' });
      const got = await journal.get(added.id);
      assert.deepEqual([got?.duplicates, got?.duplicateItems], [2, [1, 2]]);
    } finally {
      await journal.close();
    }
    // Opening it again (the upgraded file) changes nothing.
    const again = new SqliteJournal(dir);
    assert.equal((await again.get(2))?.duplicates, 2);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
