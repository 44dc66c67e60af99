// The journal in a file of the data dir (SQLite, WAL, full sync): its SQL runs synchronously, its methods answer promises.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type Clock, systemClock } from '../clock.js';
import { dataFileError } from '../data-files.js';
import { JOURNAL_FILE, type JournalStart, MARKER_FILE, openJournalFiles, writeMarker, writeMarkerAsync } from './journal-files.js';
import { BackgroundCheckpointer } from './checkpointer.js';
import type { Journal, JournalCheck, ListOptions } from './journal.js';
import { SQLITE_LINE_CACHE_LIMITS, LineCache, type LineCacheLimits } from './line-cache.js';
import { COLUMNS, acceptedSubmission, type NewSubmission, type PendingEntry, type PendingHead, type Row, type Submission, type SubmissionStatus, fromRow } from './submission.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS submissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  metric TEXT NOT NULL,
  api_version TEXT NOT NULL,
  database TEXT NOT NULL,
  user_id INTEGER,
  points INTEGER NOT NULL,
  duplicates INTEGER NOT NULL DEFAULT 0,
  duplicate_items TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'rejected')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  received_at INTEGER NOT NULL,
  delivered_at INTEGER,
  updated_at INTEGER NOT NULL
);
-- Line protocol apart from the status row: a status change then rewrites a small row, not the
-- payload. Deleted once delivered; kept for rejected submissions so they can be retried.
CREATE TABLE IF NOT EXISTS submission_lines (
  id INTEGER PRIMARY KEY,
  lines TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_pending ON submissions (database, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS submissions_status ON submissions (status, id);
-- The journal's id, also kept in journal.id beside it: a journal replaced by another is noticed.
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

interface Waiting {
  entry: NewSubmission;
  resolve: (submission: Submission) => void;
  reject: (err: Error) => void;
}

/** How long the marker's high-water submission id may lag behind the commits (it costs an fsync). */
const MARKER_INTERVAL_MS = 1000;

export interface JournalOptions {
  /** How start-up treats a journal that is missing, damaged or not the one its marker names. */
  start?: JournalStart;
  /** Checkpoint the WAL in a worker thread instead of in the committing connections (the broker does). */
  backgroundCheckpoints?: boolean;
  /** Bounds of the in-memory copy of undelivered lines (default 50,000 points, 8 Mi characters). */
  lineCache?: LineCacheLimits;
}

/** A synchronous step's result as a promise: a throw becomes a rejection, as from an asynchronous journal. */
function answer<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/** Lines of pending submissions read per query by pendingLines. */
const LINES_PAGE = 256;

/**
 * The SQLite journal. Appends from one event-loop turn share one transaction (group commit); every
 * append resolves only after its commit reached the disk. Emits `appended`, `settled` and `release`.
 */
export class SqliteJournal extends EventEmitter implements Journal {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  /** journal.id beside the journal: its id and the highest submission id seen committed. */
  readonly markerFile: string;
  readonly journalId: string;
  /** What opening did to the journal's files (`--new-journal`, `--accept-journal`), for the operator. */
  readonly notice: string | undefined;
  #db: Database.Database;
  /** Second connection for status changes: losing one to a power cut only means a repeated write. */
  #statusDb: Database.Database;
  #clock: Clock;
  #lineCache: LineCache;
  #released = false;
  #queue: Waiting[] = [];
  #scheduled = false;
  #pendingPoints = 0;
  #pendingSubmissions = 0;
  #stmts: Record<string, Database.Statement>;
  #lastId: number;
  #markedId: number;
  #markerTimer: NodeJS.Timeout | undefined;
  /** An asynchronous marker write in flight (one at a time). */
  #markerWriting = false;
  #checkpointer: BackgroundCheckpointer | undefined;
  #closed = false;

  /** Opens (or creates) the journal of a data dir; throws a StartupError naming the file when it cannot be trusted. */
  constructor(dataDir: string, clock: Clock = systemClock, options: JournalOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.file = path.join(dataDir, JOURNAL_FILE);
    this.markerFile = path.join(dataDir, MARKER_FILE);
    this.#clock = clock;
    this.#lineCache = new LineCache(options.lineCache ?? SQLITE_LINE_CACHE_LIMITS);
    const opened = openJournalFiles(dataDir, SCHEMA, options.start);
    this.#db = opened.db;
    this.#addColumns();
    this.journalId = opened.journalId;
    this.notice = opened.notice;
    this.#lastId = opened.lastId;
    this.#markedId = opened.lastId;
    try {
      this.#statusDb = new Database(this.file, { fileMustExist: true });
      this.#statusDb.pragma('synchronous = NORMAL');
      this.#statusDb.pragma('busy_timeout = 5000');
    } catch (err) {
      this.#db.close();
      throw dataFileError('journal', this.file, err);
    }
    if (options.backgroundCheckpoints) this.#checkpointer = new BackgroundCheckpointer(this.file, [this.#db, this.#statusDb]);
    this.#stmts = {
      insert: this.#db.prepare(
        `INSERT INTO submissions (metric, api_version, database, user_id, points, duplicates, duplicate_items, status, received_at, updated_at)
         VALUES (@metric, @apiVersion, @database, @userId, @points, @duplicates, @duplicateItems, 'pending', @now, @now)`,
      ),
      insertLines: this.#db.prepare(`INSERT INTO submission_lines (id, lines) VALUES (?, ?)`),
      get: this.#db.prepare(`SELECT ${COLUMNS} FROM submissions WHERE id = ?`),
      pendingDbs: this.#db.prepare(`SELECT DISTINCT database FROM submissions WHERE status = 'pending'`),
      batchHeads: this.#db.prepare(
        `SELECT id, points, received_at FROM submissions WHERE status = 'pending' AND database = ? ORDER BY id LIMIT ?`,
      ),
      batchLines: this.#db.prepare(`SELECT id, lines FROM submission_lines WHERE id BETWEEN ? AND ?`),
      hasPending: this.#db.prepare(`SELECT 1 FROM submissions WHERE status = 'pending' AND database = ? LIMIT 1`),
      pendingLines: this.#db.prepare(
        `SELECT s.id, l.lines FROM submissions s JOIN submission_lines l ON l.id = s.id WHERE s.status = 'pending' AND s.database = ? AND s.id > ? ORDER BY s.id LIMIT ?`,
      ),
      delivered: this.#statusDb.prepare(
        `UPDATE submissions SET status = 'delivered', attempts = attempts + 1, last_error = NULL, delivered_at = @now, updated_at = @now WHERE id = @id AND status = 'pending'`,
      ),
      dropLines: this.#statusDb.prepare(`DELETE FROM submission_lines WHERE id = ?`),
      attempt: this.#statusDb.prepare(`UPDATE submissions SET attempts = attempts + 1, last_error = @error, updated_at = @now WHERE id = @id`),
      rejected: this.#statusDb.prepare(
        `UPDATE submissions SET status = 'rejected', attempts = attempts + 1, last_error = @error, updated_at = @now WHERE id = @id AND status = 'pending'`,
      ),
      retry: this.#statusDb.prepare(`UPDATE submissions SET status = 'pending', updated_at = @now WHERE id = @id AND status = 'rejected'`),
      prune: this.#statusDb.prepare(`DELETE FROM submissions WHERE status = 'delivered' AND delivered_at < ?`),
      depth: this.#db.prepare(`SELECT COUNT(*) AS n, COALESCE(SUM(points), 0) AS p FROM submissions WHERE status = 'pending'`),
      counts: this.#db.prepare(`SELECT status, COUNT(*) AS n FROM submissions GROUP BY status`),
    };
    this.#recount();
  }

  /** Columns added since the first release, for journals written by an earlier version. */
  #addColumns(): void {
    const columns: [string, string][] = [
      ['duplicates', 'INTEGER NOT NULL DEFAULT 0'],
      ['duplicate_items', `TEXT NOT NULL DEFAULT '[]'`],
    ];
    for (const [name, type] of columns) {
      const have = (this.#db.pragma('table_info(submissions)') as { name: string }[]).some((c) => c.name === name);
      if (have) continue;
      try {
        this.#db.exec(`ALTER TABLE submissions ADD COLUMN ${name} ${type}`);
      } catch (err) {
        // Another process (the CLI beside a running broker) may have added it first.
        if (!/duplicate column/i.test((err as Error).message)) throw err;
      }
    }
  }

  #recount(): void {
    const depth = this.#stmt('depth').get() as { n: number; p: number };
    this.#pendingSubmissions = depth.n;
    this.#pendingPoints = depth.p;
  }

  /**
   * Re-reads the depth from disk and announces every database with pending work, so changes made
   * by another process (`qmb submissions retry`) are picked up.
   */
  refresh(): Promise<void> {
    return answer(() => {
      this.#recount();
      for (const db of this.#pendingDatabases()) this.emit('appended', db);
    });
  }

  #stmt(name: string): Database.Statement {
    return this.#stmts[name] as Database.Statement;
  }

  /** Undelivered points, for back-pressure and /metrics. */
  get pendingPoints(): number {
    return this.#pendingPoints;
  }

  /** The journal file. */
  get location(): string {
    return this.file;
  }

  get pendingSubmissions(): number {
    return this.#pendingSubmissions;
  }

  /** What the in-memory copy of undelivered lines holds now (the rest is read from disk). */
  get lineCacheUse(): { submissions: number; chars: number } {
    return { submissions: this.#lineCache.size, chars: this.#lineCache.chars };
  }

  /** Commits a submission; resolves with it once it is on disk. */
  append(entry: NewSubmission): Promise<Submission> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ entry, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const now = this.#clock.now();
    const insert = this.#stmt('insert');
    const insertLines = this.#stmt('insertLines');
    let ids: number[];
    try {
      ids = this.#db.transaction(() =>
        batch.map((w) => {
          const { lines, duplicates = 0, duplicateItems = [], ...row } = w.entry;
          const id = Number(insert.run({ ...row, duplicates, duplicateItems: JSON.stringify(duplicateItems), now }).lastInsertRowid);
          insertLines.run(id, lines);
          return id;
        }),
      )();
    } catch (err) {
      for (const w of batch) w.reject(err as Error);
      return;
    }
    this.#lastId = Math.max(this.#lastId, ids[ids.length - 1] as number);
    this.#scheduleMarker();
    const databases = new Set<string>();
    batch.forEach((w, i) => {
      const id = ids[i] as number;
      const { entry } = w;
      this.#pendingPoints += entry.points;
      this.#pendingSubmissions++;
      this.#lineCache.add(id, entry.lines, entry.points);
      databases.add(entry.database);
      w.resolve(acceptedSubmission(id, entry, now));
    });
    for (const db of databases) this.emit('appended', db);
  }

  /**
   * Brings the marker's high-water id up to the commits within about a second, off the commit's
   * path: the marker only needs to tell later that the journal once went this far.
   */
  #scheduleMarker(): void {
    if (this.#markerTimer || this.#markerWriting) return;
    this.#markerTimer = setTimeout(() => {
      this.#markerTimer = undefined;
      this.#updateMarkerAsync();
    }, MARKER_INTERVAL_MS);
    this.#markerTimer.unref();
  }

  /** The periodic update, off the event loop; the next one is scheduled when it is done. */
  #updateMarkerAsync(): void {
    const id = this.#lastId;
    if (id === this.#markedId || this.#closed) return;
    this.#markerWriting = true;
    const marker = { journal_id: this.journalId, last_submission_id: id, updated_at: new Date(this.#clock.now()).toISOString() };
    writeMarkerAsync(this.markerFile, marker, () => !this.#closed)
      .then(
        () => {
          if (!this.#closed) this.#markedId = Math.max(this.#markedId, id);
        },
        () => {
          // Disk full or the like: the commits are safe, the marker only lags; the next update tries again.
        },
      )
      .finally(() => {
        this.#markerWriting = false;
        if (!this.#closed && this.#lastId !== this.#markedId) this.#scheduleMarker();
      });
  }

  #updateMarker(): void {
    if (this.#lastId === this.#markedId) return;
    try {
      writeMarker(this.markerFile, { journal_id: this.journalId, last_submission_id: this.#lastId, updated_at: new Date(this.#clock.now()).toISOString() });
      this.#markedId = this.#lastId;
    } catch {
      // Disk full or the like: the commits are safe, the marker only lags; the next update tries again.
    }
  }

  get(id: number): Promise<Submission | undefined> {
    return answer(() => this.#get(id));
  }

  #get(id: number): Submission | undefined {
    const row = this.#stmt('get').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Lists submissions, newest first. */
  list(options: ListOptions = {}): Promise<Submission[]> {
    return answer(() => this.#list(options));
  }

  #list(options: ListOptions): Submission[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (options.status) {
      where.push('status = ?');
      params.push(options.status);
    }
    if (options.beforeId !== undefined) {
      where.push('id < ?');
      params.push(options.beforeId);
    }
    const sql = `SELECT ${COLUMNS} FROM submissions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    params.push(options.limit ?? 100);
    return (this.#db.prepare(sql).all(...params) as Row[]).map(fromRow);
  }

  counts(): Promise<Record<SubmissionStatus, number>> {
    return answer(() => {
      const out: Record<SubmissionStatus, number> = { pending: 0, delivered: 0, rejected: 0 };
      for (const r of this.#stmt('counts').all() as { status: SubmissionStatus; n: number }[]) out[r.status] = r.n;
      return out;
    });
  }

  /** Databases with undelivered submissions. */
  pendingDatabases(): Promise<string[]> {
    return answer(() => this.#pendingDatabases());
  }

  #pendingDatabases(): string[] {
    return (this.#stmt('pendingDbs').all() as { database: string }[]).map((r) => r.database);
  }

  /**
   * The oldest pending submissions of a database, up to about `maxPoints` points (at least one).
   * An entry whose line protocol is missing from disk (damage) comes back with `lines` empty.
   */
  nextBatch(database: string, maxPoints: number): Promise<PendingEntry[]> {
    return answer(() => this.#nextBatch(database, maxPoints));
  }

  #nextBatch(database: string, maxPoints: number): PendingEntry[] {
    // Pick the submissions by their point counts first, then read only their (possibly large) lines.
    const heads = this.#stmt('batchHeads').all(database, Math.min(maxPoints, 5000)) as { id: number; points: number; received_at: number }[];
    const chosen: { id: number; points: number; received_at: number }[] = [];
    let points = 0;
    for (const h of heads) {
      if (chosen.length > 0 && points + h.points > maxPoints) break;
      chosen.push(h);
      points += h.points;
    }
    if (chosen.length === 0) return [];
    let stored: Map<number, string> | undefined;
    if (chosen.some((h) => !this.#lineCache.has(h.id))) {
      const rows = this.#stmt('batchLines').all(chosen[0]!.id, chosen[chosen.length - 1]!.id) as { id: number; lines: string }[];
      stored = new Map(rows.map((r) => [r.id, r.lines]));
    }
    return chosen.map((h) => ({
      id: h.id,
      points: h.points,
      lines: this.#lineCache.get(h.id) ?? stored?.get(h.id) ?? '',
      receivedAt: h.received_at,
    }));
  }

  /** The line protocol of a database's undelivered submissions, oldest first, read a page at a time. */
  async *pendingLines(database: string): AsyncGenerator<string> {
    let after = 0;
    for (;;) {
      const rows = await answer(() => this.#stmt('pendingLines').all(database, after, LINES_PAGE) as { id: number; lines: string }[]);
      for (const row of rows) yield row.lines;
      if (rows.length < LINES_PAGE) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  /** Whether a database has undelivered submissions. */
  hasPending(database: string): Promise<boolean> {
    return answer(() => this.#stmt('hasPending').get(database) !== undefined);
  }

  #settle(entries: readonly PendingHead[], stmt: string, error: string | null): void {
    const now = this.#clock.now();
    const s = this.#stmt(stmt);
    const dropLines = stmt === 'delivered' ? this.#stmt('dropLines') : undefined;
    const changed = this.#statusDb.transaction(() =>
      entries.filter((e) => {
        const hit = s.run({ id: e.id, now, error }).changes > 0;
        if (hit) dropLines?.run(e.id);
        return hit;
      }),
    )();
    for (const e of changed) {
      this.#pendingPoints -= e.points;
      this.#pendingSubmissions--;
      this.#lineCache.delete(e.id);
    }
    const status: SubmissionStatus = stmt === 'delivered' ? 'delivered' : 'rejected';
    for (const e of changed) this.emit('settled', e.id, status);
  }

  markDelivered(entries: readonly PendingHead[]): Promise<void> {
    return answer(() => this.#settle(entries, 'delivered', null));
  }

  markRejected(entry: PendingHead, error: string): Promise<void> {
    return answer(() => this.#settle([entry], 'rejected', error));
  }

  /** Records a failed attempt that will be retried. */
  markAttempt(entries: readonly PendingHead[], error: string): Promise<void> {
    return answer(() => {
      const now = this.#clock.now();
      const s = this.#stmt('attempt');
      this.#statusDb.transaction(() => {
        for (const e of entries) s.run({ id: e.id, now, error });
      })();
    });
  }

  /** Puts a rejected submission back in the queue; false when it is not rejected. */
  retry(id: number): Promise<boolean> {
    return answer(() => this.#retry(id));
  }

  #retry(id: number): boolean {
    const sub = this.#get(id);
    if (!sub || sub.status !== 'rejected') return false;
    const changed = this.#stmt('retry').run({ id, now: this.#clock.now() }).changes > 0;
    if (changed) {
      this.#pendingPoints += sub.points;
      this.#pendingSubmissions++;
      this.emit('appended', sub.database);
    }
    return changed;
  }

  /** Deletes delivered submissions older than `retentionMs`; returns how many. */
  prune(retentionMs: number): Promise<number> {
    return answer(() => this.#stmt('prune').run(this.#clock.now() - retentionMs).changes);
  }

  /**
   * Resolves when the submission leaves `pending`, the time is up, or waiting is released (shutdown),
   * with its state then.
   */
  waitSettled(id: number, timeoutMs: number): Promise<Submission | undefined> {
    const current = this.#get(id);
    if (!current || current.status !== 'pending' || timeoutMs <= 0 || this.#released) return Promise.resolve(current);
    return new Promise((resolve) => {
      const onSettled = (settledId: number): void => {
        if (settledId !== id) return;
        finish();
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.off('settled', onSettled);
        this.off('release', finish);
        resolve(this.#get(id));
      };
      const timer = setTimeout(finish, timeoutMs);
      this.on('settled', onSettled);
      this.on('release', finish);
    });
  }

  /** Answers every waiter now and makes later waits return at once: the broker is stopping. */
  releaseWaiters(): void {
    this.#released = true;
    this.emit('release');
  }

  /** Checks that the journal accepts writes (for /readyz). */
  check(): Promise<JournalCheck> {
    try {
      this.#db.prepare('BEGIN IMMEDIATE').run();
      this.#db.prepare('ROLLBACK').run();
      return Promise.resolve({ ok: true, detail: `${this.#pendingSubmissions} pending submissions, ${this.#pendingPoints} points` });
    } catch (err) {
      return Promise.resolve({ ok: false, detail: (err as Error).message });
    }
  }

  close(): Promise<void> {
    return answer(() => this.#close());
  }

  #close(): void {
    if (this.#closed) return;
    if (this.#queue.length > 0) this.#flush();
    clearTimeout(this.#markerTimer);
    this.#markerTimer = undefined;
    this.#closed = true;
    // Synchronous on close: the process may exit right after. An asynchronous write in flight then skips its rename.
    this.#updateMarker();
    this.#checkpointer?.stop();
    this.#statusDb.close();
    this.#db.close();
  }
}
