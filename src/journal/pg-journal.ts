// The journal in a shared PostgreSQL (QMB_JOURNAL_URL): every replica appends to it, reads every
// submission's status from it, and delivers the databases whose lanes it holds.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type Clock, systemClock } from '../clock.js';
import { type PgPool, createPgPool } from '../pg/pool.js';
import type { PgTarget } from '../pg/url.js';
import type { Journal, JournalCheck, ListOptions } from './journal.js';
import { LINE_CACHE_LIMITS, LineCache, type LineCacheLimits } from './line-cache.js';
import { COLUMNS, acceptedSubmission, type NewSubmission, type PendingEntry, type PendingHead, type Row, type Submission, type SubmissionStatus, fromRow } from './submission.js';

/**
 * `xact` is the appending transaction (64-bit, never wraps). Delivery takes a database's pending
 * rows in (xact, id) order and only those whose transaction is older than every transaction still
 * running: a row committed later (by any replica) then always sorts after what was delivered, so
 * it cannot overtake it. A retried submission keeps its place.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS qmb_submissions (
  id bigserial PRIMARY KEY,
  metric text NOT NULL,
  api_version text NOT NULL,
  database text NOT NULL,
  user_id integer,
  points integer NOT NULL,
  duplicates integer NOT NULL DEFAULT 0,
  duplicate_items text NOT NULL DEFAULT '[]',
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'rejected')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  received_at bigint NOT NULL,
  delivered_at bigint,
  updated_at bigint NOT NULL,
  xact xid8 NOT NULL DEFAULT pg_current_xact_id()
);
-- Line protocol apart from the status row (as in the SQLite journal): dropped once delivered.
CREATE TABLE IF NOT EXISTS qmb_submission_lines (
  id bigint PRIMARY KEY,
  lines text NOT NULL
);
CREATE INDEX IF NOT EXISTS qmb_submissions_pending ON qmb_submissions (database, xact, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS qmb_submissions_status ON qmb_submissions (status, id);
CREATE TABLE IF NOT EXISTS qmb_journal_meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO qmb_journal_meta (key, value) VALUES ('journal_id', gen_random_uuid()::text) ON CONFLICT (key) DO NOTHING;
`;

/** Advisory lock key of schema changes (replicas starting together take turns). */
const SCHEMA_LOCK = 0x716d6200;
/** First half of a lane's advisory lock key; the second is hashtext(database). */
const LANE_LOCK_CLASS = 0x716d626c;
/** Channels: a settled submission (`<replica> <status> <id,id,...>`), new work for a database (`<replica> <database>`). */
const SETTLED_CHANNEL = 'qmb_settled';
const APPENDED_CHANNEL = 'qmb_appended';
/** A NOTIFY payload must stay below 8000 bytes. */
const NOTIFY_IDS = 500;

const ROW_COLUMNS = COLUMNS;

export interface PgJournalOptions {
  lineCache?: LineCacheLimits;
  /** How often waiters look at their submissions in case a notification was lost (default 500 ms). */
  pollMs?: number;
  /** How often the depth is read from the database (default 1000 ms). */
  recountMs?: number;
  /** After a lost notification connection, how long before connecting it again (default 1000 ms). */
  relistenMs?: number;
  /** The pool to use; by default the journal opens (and closes) its own on `target`. */
  pool?: PgPool;
  /** Told when a background connection (notifications, lanes) fails; it is made again by itself. */
  onBackgroundError?: (what: string, err: Error) => void;
}

interface Waiting {
  entry: NewSubmission;
  resolve: (submission: Submission) => void;
  reject: (err: unknown) => void;
}

/** A submissions row as node-postgres returns it: bigint columns as text. */
type PgRow = Omit<Row, 'id' | 'received_at' | 'delivered_at' | 'updated_at'> & {
  id: string;
  received_at: string;
  delivered_at: string | null;
  updated_at: string;
};

function toSubmission(r: PgRow): Submission {
  const row: Row = {
    ...r,
    id: Number(r.id),
    received_at: Number(r.received_at),
    delivered_at: r.delivered_at === null ? null : Number(r.delivered_at),
    updated_at: Number(r.updated_at),
  };
  return fromRow(row);
}

/**
 * How many synchronous standbys a commit waits for under `synchronous_standby_names`:
 * `ANY n (...)`, `FIRST n (...)` and `n (...)` name n; a plain list (or `*`) means the first one.
 */
export function requiredSyncStandbys(names: string): number {
  const m = /^\s*(?:(?:ANY|FIRST)\s+)?(\d+)\s*\(/i.exec(names);
  if (m) return Number(m[1]);
  return names.trim() === '' ? 0 : 1;
}

/**
 * The PostgreSQL journal. Appends of one event-loop turn go in one transaction (one multi-row
 * INSERT); an append resolves only after COMMIT returned, which with `synchronous_commit = on` and
 * a synchronous standby means the standby has it too. One append transaction is in flight at a
 * time; what arrives meanwhile makes the next one. Emits `appended`, `settled` and `release`.
 */
export class PgJournal extends EventEmitter implements Journal {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly notice = undefined;
  /** This process among the replicas (in notifications, to skip its own). */
  readonly replicaId = randomUUID();
  readonly #pool: PgPool;
  readonly #ownsPool: boolean;
  readonly #clock: Clock;
  readonly #lineCache: LineCache;
  readonly #o: Required<Omit<PgJournalOptions, 'pool' | 'lineCache' | 'onBackgroundError'>> & Pick<PgJournalOptions, 'onBackgroundError'>;
  #journalId = '';
  #ready: Promise<void> | undefined;
  #queue: Waiting[] = [];
  #scheduled = false;
  #flushing: Promise<void> | undefined;
  #pendingPoints = 0;
  #pendingSubmissions = 0;
  #released = false;
  #closed = false;
  /** Databases whose lane this process holds (advisory locks on #laneClient's session). */
  readonly #lanes = new Set<string>();
  #laneClient: Promise<pg.Client> | undefined;
  #listenClient: pg.Client | undefined;
  #listening: Promise<void> | undefined;
  #listenFailing = false;
  #relistenTimer: NodeJS.Timeout | undefined;
  #recountTimer: NodeJS.Timeout | undefined;
  /** Submissions someone waits for, polled in one query while any are waited for. */
  readonly #waited = new Map<number, number>();
  #pollTimer: NodeJS.Timeout | undefined;
  /** Databases to announce again once transactions still running end (their rows are held back until then). */
  readonly #heldBack = new Set<string>();
  #heldBackTimer: NodeJS.Timeout | undefined;

  constructor(target: PgTarget, clock: Clock = systemClock, options: PgJournalOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.location = target.display;
    this.#clock = clock;
    this.#lineCache = new LineCache(options.lineCache ?? LINE_CACHE_LIMITS);
    this.#o = {
      pollMs: options.pollMs ?? 500,
      recountMs: options.recountMs ?? 1000,
      relistenMs: options.relistenMs ?? 1000,
      onBackgroundError: options.onBackgroundError,
    };
    this.#ownsPool = !options.pool;
    // Named in pg_stat_activity after the URL's application_name: "<name> journal".
    this.#pool = options.pool ?? createPgPool(target, { max: 8, queryTimeoutMs: 10_000, applicationName: `${target.applicationName ?? 'qmb'} journal` });
  }

  get journalId(): string {
    return this.#journalId;
  }

  get pendingPoints(): number {
    return this.#pendingPoints;
  }

  get pendingSubmissions(): number {
    return this.#pendingSubmissions;
  }

  get lineCacheUse(): { submissions: number; chars: number } {
    return { submissions: this.#lineCache.size, chars: this.#lineCache.chars };
  }

  /** Tables made, the journal's id read, notifications listened to: once, again after a failure. */
  #open(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the journal is closed'));
    this.#ready ??= (async () => {
      await this.#pool.transaction(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await c.query(SCHEMA);
      });
      const meta = await this.#pool.query<{ value: string }>(`SELECT value FROM qmb_journal_meta WHERE key = 'journal_id'`);
      this.#journalId = meta.rows[0]?.value ?? '';
      await this.#recount();
      this.#recountTimer ??= setInterval(() => {
        this.#recount().catch(() => {});
      }, this.#o.recountMs).unref();
      void this.#listen();
    })().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  async #recount(): Promise<void> {
    const res = await this.#pool.query<{ n: string; p: string }>(`SELECT count(*) AS n, COALESCE(sum(points), 0) AS p FROM qmb_submissions WHERE status = 'pending'`);
    this.#pendingSubmissions = Number(res.rows[0]?.n ?? 0);
    this.#pendingPoints = Number(res.rows[0]?.p ?? 0);
  }

  // --- notifications -------------------------------------------------------------------------

  /** Connects the notification connection unless it is up; when it fails, tries again later. */
  #listen(): Promise<void> {
    if (this.#closed || this.#listenClient) return Promise.resolve();
    this.#listening ??= (async () => {
      let client: pg.Client | undefined;
      try {
        client = await this.#pool.connectDedicated();
        const c = client;
        c.on('notification', (msg) => this.#onNotification(msg.channel, msg.payload ?? ''));
        const lost = (err?: Error): void => {
          if (this.#listenClient !== c) return;
          this.#listenClient = undefined;
          c.removeAllListeners('notification');
          void c.end().catch(() => {});
          if (err) this.#o.onBackgroundError?.('notifications', err);
          this.#scheduleRelisten();
        };
        c.on('error', lost);
        c.on('end', () => lost());
        await c.query(`LISTEN ${SETTLED_CHANNEL}`);
        await c.query(`LISTEN ${APPENDED_CHANNEL}`);
        if (this.#closed) {
          await c.end();
          return;
        }
        this.#listenClient = c;
        this.#listenFailing = false;
        // Whatever was announced while no one listened: the sweep and the waiters' polling find it.
      } catch (err) {
        await client?.end().catch(() => {});
        // Said once per outage: the connection is tried again every second meanwhile.
        if (!this.#listenFailing) this.#o.onBackgroundError?.('notifications', err as Error);
        this.#listenFailing = true;
        this.#scheduleRelisten();
      }
    })().finally(() => {
      this.#listening = undefined;
    });
    return this.#listening;
  }

  #scheduleRelisten(): void {
    if (this.#closed || this.#relistenTimer) return;
    this.#relistenTimer = setTimeout(() => {
      this.#relistenTimer = undefined;
      void this.#listen();
    }, this.#o.relistenMs).unref();
  }

  /** Whether the notification connection is up (tests cut it to see the polling take over). */
  get listening(): boolean {
    return this.#listenClient !== undefined;
  }

  /** The server process of the notification connection, if up. */
  get listenerPid(): number | undefined {
    return (this.#listenClient as (pg.Client & { processID?: number }) | undefined)?.processID;
  }

  #onNotification(channel: string, payload: string): void {
    const [from, ...rest] = payload.split(' ');
    if (from === this.replicaId) return;
    if (channel === APPENDED_CHANNEL) {
      const db = rest.join(' ');
      if (db) this.emit('appended', db);
      return;
    }
    if (channel === SETTLED_CHANNEL) {
      const status = rest[0] as SubmissionStatus;
      for (const raw of (rest[1] ?? '').split(',')) {
        const id = Number(raw);
        if (!Number.isInteger(id) || id <= 0) continue;
        // Delivered by another replica: its lines are not ours to keep.
        this.#lineCache.delete(id);
        this.emit('settled', id, status);
      }
    }
  }

  // --- appending -----------------------------------------------------------------------------

  append(entry: NewSubmission): Promise<Submission> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ entry, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = undefined;
        if (this.#queue.length > 0) this.#schedule();
      });
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const now = this.#clock.now();
    let ids: number[];
    try {
      await this.#open();
      ids = await this.#pool.transaction(async (c) => {
        // Ids first, in the order of the batch (one sequence, read in one statement).
        const seq = await c.query<{ id: string }>(`SELECT nextval('qmb_submissions_id_seq') AS id FROM generate_series(1, $1::int)`, [batch.length]);
        const got = seq.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
        const col = <T>(f: (e: NewSubmission) => T): T[] => batch.map((w) => f(w.entry));
        await c.query(
          `INSERT INTO qmb_submissions (id, metric, api_version, database, user_id, points, duplicates, duplicate_items, status, received_at, updated_at)
           SELECT id, metric, api_version, database, user_id, points, duplicates, duplicate_items, 'pending', $9, $9
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::text[])
             AS u(id, metric, api_version, database, user_id, points, duplicates, duplicate_items)`,
          [
            got,
            col((e) => e.metric),
            col((e) => e.apiVersion),
            col((e) => e.database),
            col((e) => e.userId),
            col((e) => e.points),
            col((e) => e.duplicates ?? 0),
            col((e) => JSON.stringify(e.duplicateItems ?? [])),
            now,
          ],
        );
        await c.query(`INSERT INTO qmb_submission_lines (id, lines) SELECT * FROM unnest($1::bigint[], $2::text[])`, [got, col((e) => e.lines)]);
        // Sent at COMMIT: the replica holding a database's lane delivers at once.
        const dbs = [...new Set(col((e) => e.database))];
        await c.query(`SELECT pg_notify($1, $2::text || ' ' || d) FROM unnest($3::text[]) AS d`, [APPENDED_CHANNEL, this.replicaId, dbs]);
        return got;
      });
    } catch (err) {
      for (const w of batch) w.reject(this.#pool.classify(err));
      return;
    }
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

  // --- reading -------------------------------------------------------------------------------

  async #query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    await this.#open();
    return this.#pool.query<R>(text, values);
  }

  async get(id: number): Promise<Submission | undefined> {
    const res = await this.#query<PgRow>(`SELECT ${ROW_COLUMNS} FROM qmb_submissions WHERE id = $1`, [id]);
    const row = res.rows[0];
    return row ? toSubmission(row) : undefined;
  }

  async list(options: ListOptions = {}): Promise<Submission[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.status) {
      params.push(options.status);
      where.push(`status = $${params.length}`);
    }
    if (options.beforeId !== undefined) {
      params.push(options.beforeId);
      where.push(`id < $${params.length}`);
    }
    params.push(options.limit ?? 100);
    const sql = `SELECT ${ROW_COLUMNS} FROM qmb_submissions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
    return (await this.#query<PgRow>(sql, params)).rows.map(toSubmission);
  }

  async counts(): Promise<Record<SubmissionStatus, number>> {
    const out: Record<SubmissionStatus, number> = { pending: 0, delivered: 0, rejected: 0 };
    const res = await this.#query<{ status: SubmissionStatus; n: string }>(`SELECT status, count(*) AS n FROM qmb_submissions GROUP BY status`);
    for (const r of res.rows) out[r.status] = Number(r.n);
    return out;
  }

  async *pendingLines(database: string): AsyncGenerator<string> {
    let after = -1;
    for (;;) {
      const res = await this.#query<{ id: string; lines: string }>(
        `SELECT s.id, l.lines FROM qmb_submissions s JOIN qmb_submission_lines l ON l.id = s.id
         WHERE s.status = 'pending' AND s.database = $1 AND s.id > $2 ORDER BY s.id LIMIT 256`,
        [database, after],
      );
      for (const r of res.rows) yield r.lines;
      if (res.rows.length < 256) return;
      after = Number(res.rows[res.rows.length - 1]!.id);
    }
  }

  // --- lanes ---------------------------------------------------------------------------------

  /** The connection whose session holds this process's lane locks; made again once lost (the locks with it). */
  #lanesConnection(): Promise<pg.Client> {
    if (this.#laneClient) return this.#laneClient;
    const made: Promise<pg.Client> = (async () => {
      const client = await this.#pool.connectDedicated();
      const lost = (err?: Error): void => {
        if (this.#laneClient !== made) return;
        this.#laneClient = undefined;
        this.#lanes.clear();
        void client.end().catch(() => {});
        if (err) this.#o.onBackgroundError?.('delivery lanes', err);
      };
      client.on('error', lost);
      client.on('end', () => lost());
      return client;
    })();
    this.#laneClient = made;
    made.catch(() => {
      if (this.#laneClient === made) this.#laneClient = undefined;
    });
    return made;
  }

  /** Whether this process delivers `database`: it holds the lane, or takes it now if no one does. */
  async #claim(database: string): Promise<boolean> {
    if (this.#closed) return false;
    if (this.#lanes.has(database)) return true;
    await this.#open();
    const client = await this.#lanesConnection();
    let res: pg.QueryResult<{ ok: boolean }>;
    try {
      res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LANE_LOCK_CLASS, database]);
    } catch (err) {
      throw this.#pool.classify(err);
    }
    if (res.rows[0]?.ok !== true) return false;
    // Lost meanwhile (the connection died between the query and here): not ours.
    if (this.#laneClient === undefined || (await this.#laneClient) !== client) return false;
    this.#lanes.add(database);
    return true;
  }

  /** Databases whose lanes this process holds now (for tests and logs). */
  get heldLanes(): string[] {
    return [...this.#lanes];
  }

  async pendingDatabases(): Promise<string[]> {
    const res = await this.#query<{ database: string }>(`SELECT DISTINCT database FROM qmb_submissions WHERE status = 'pending'`);
    const mine: string[] = [];
    for (const { database } of res.rows) if (await this.#claim(database)) mine.push(database);
    return mine;
  }

  async nextBatch(database: string, maxPoints: number): Promise<PendingEntry[]> {
    if (!(await this.#claim(database))) return [];
    // `ready`: its transaction is older than every one still running, so nothing can commit before it.
    const res = await this.#query<{ id: string; points: number; received_at: string; ready: boolean }>(
      `SELECT id, points, received_at, xact < pg_snapshot_xmin(pg_current_snapshot()) AS ready
       FROM qmb_submissions WHERE status = 'pending' AND database = $1 ORDER BY xact, id LIMIT $2`,
      [database, Math.min(maxPoints, 5000)],
    );
    const chosen: { id: number; points: number; receivedAt: number }[] = [];
    let points = 0;
    let heldBack = false;
    for (const h of res.rows) {
      if (!h.ready) {
        heldBack = true;
        break;
      }
      if (chosen.length > 0 && points + h.points > maxPoints) break;
      chosen.push({ id: Number(h.id), points: h.points, receivedAt: Number(h.received_at) });
      points += h.points;
    }
    if (heldBack) this.#announceLater(database);
    if (chosen.length === 0) return [];
    // Taken from the cache before the first await: appends finishing meanwhile may push entries out.
    const lines = new Map<number, string>();
    for (const h of chosen) {
      const cached = this.#lineCache.get(h.id);
      if (cached !== undefined) lines.set(h.id, cached);
    }
    const missing = chosen.filter((h) => !lines.has(h.id)).map((h) => h.id);
    if (missing.length > 0) {
      const rows = await this.#query<{ id: string; lines: string }>(`SELECT id, lines FROM qmb_submission_lines WHERE id = ANY($1::bigint[])`, [missing]);
      for (const r of rows.rows) lines.set(Number(r.id), r.lines);
    }
    return chosen.map((h) => ({ ...h, lines: lines.get(h.id) ?? '' }));
  }

  /** Rows held back by transactions still running: announce the database again in a moment. */
  #announceLater(database: string): void {
    this.#heldBack.add(database);
    if (this.#heldBackTimer || this.#closed) return;
    this.#heldBackTimer = setTimeout(() => {
      this.#heldBackTimer = undefined;
      const dbs = [...this.#heldBack];
      this.#heldBack.clear();
      for (const db of dbs) this.emit('appended', db);
    }, 20).unref();
  }

  async hasPending(database: string): Promise<boolean> {
    if (!this.#lanes.has(database)) return false;
    const res = await this.#query(
      `SELECT 1 FROM qmb_submissions WHERE status = 'pending' AND database = $1 AND xact < pg_snapshot_xmin(pg_current_snapshot()) LIMIT 1`,
      [database],
    );
    return res.rows.length > 0;
  }

  // --- settling ------------------------------------------------------------------------------

  async #settle(entries: readonly PendingHead[], status: 'delivered' | 'rejected', error: string | null): Promise<void> {
    if (entries.length === 0) return;
    await this.#open();
    const now = this.#clock.now();
    const ids = entries.map((e) => e.id);
    const changed = await this.#pool.transaction(async (c) => {
      const res = await c.query<{ id: string }>(
        status === 'delivered'
          ? `UPDATE qmb_submissions SET status = 'delivered', attempts = attempts + 1, last_error = NULL, delivered_at = $2, updated_at = $2
             WHERE id = ANY($1::bigint[]) AND status = 'pending' RETURNING id`
          : `UPDATE qmb_submissions SET status = 'rejected', attempts = attempts + 1, last_error = $3, updated_at = $2
             WHERE id = ANY($1::bigint[]) AND status = 'pending' RETURNING id`,
        status === 'delivered' ? [ids, now] : [ids, now, error],
      );
      const hit = new Set(res.rows.map((r) => Number(r.id)));
      const settled = ids.filter((id) => hit.has(id));
      if (settled.length === 0) return settled;
      if (status === 'delivered') await c.query('DELETE FROM qmb_submission_lines WHERE id = ANY($1::bigint[])', [settled]);
      for (let i = 0; i < settled.length; i += NOTIFY_IDS) {
        await c.query('SELECT pg_notify($1, $2)', [SETTLED_CHANNEL, `${this.replicaId} ${status} ${settled.slice(i, i + NOTIFY_IDS).join(',')}`]);
      }
      return settled;
    }).catch((err: unknown) => {
      throw this.#pool.classify(err);
    });
    const byId = new Map(entries.map((e) => [e.id, e]));
    for (const id of changed) {
      const e = byId.get(id)!;
      this.#pendingPoints = Math.max(0, this.#pendingPoints - e.points);
      this.#pendingSubmissions = Math.max(0, this.#pendingSubmissions - 1);
      this.#lineCache.delete(id);
    }
    for (const id of changed) this.emit('settled', id, status);
  }

  markDelivered(entries: readonly PendingHead[]): Promise<void> {
    return this.#settle(entries, 'delivered', null);
  }

  markRejected(entry: PendingHead, error: string): Promise<void> {
    return this.#settle([entry], 'rejected', error);
  }

  async markAttempt(entries: readonly PendingHead[], error: string): Promise<void> {
    if (entries.length === 0) return;
    await this.#query(`UPDATE qmb_submissions SET attempts = attempts + 1, last_error = $2, updated_at = $3 WHERE id = ANY($1::bigint[])`, [
      entries.map((e) => e.id),
      error,
      this.#clock.now(),
    ]);
  }

  async retry(id: number): Promise<boolean> {
    await this.#open();
    const row = await this.#pool.transaction(async (c) => {
      const res = await c.query<{ database: string; points: number }>(
        `UPDATE qmb_submissions SET status = 'pending', updated_at = $2 WHERE id = $1 AND status = 'rejected' RETURNING database, points`,
        [id, this.#clock.now()],
      );
      const r = res.rows[0];
      if (r) await c.query('SELECT pg_notify($1, $2)', [APPENDED_CHANNEL, `${this.replicaId} ${r.database}`]);
      return r;
    });
    if (!row) return false;
    this.#pendingPoints += row.points;
    this.#pendingSubmissions++;
    this.emit('appended', row.database);
    return true;
  }

  async prune(retentionMs: number): Promise<number> {
    const res = await this.#query(`DELETE FROM qmb_submissions WHERE status = 'delivered' AND delivered_at < $1`, [this.#clock.now() - retentionMs]);
    return res.rowCount ?? 0;
  }

  // --- waiting -------------------------------------------------------------------------------

  async waitSettled(id: number, timeoutMs: number): Promise<Submission | undefined> {
    const current = await this.get(id);
    if (!current || current.status !== 'pending' || timeoutMs <= 0 || this.#released) return current;
    await new Promise<void>((resolve) => {
      const onSettled = (settledId: number): void => {
        if (settledId === id) finish();
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.off('settled', onSettled);
        this.off('release', finish);
        this.#unwait(id);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.on('settled', onSettled);
      this.on('release', finish);
      this.#wait(id);
    });
    return this.get(id);
  }

  #wait(id: number): void {
    this.#waited.set(id, (this.#waited.get(id) ?? 0) + 1);
    this.#pollTimer ??= setInterval(() => void this.#poll(), this.#o.pollMs).unref();
  }

  #unwait(id: number): void {
    const n = (this.#waited.get(id) ?? 1) - 1;
    if (n > 0) this.#waited.set(id, n);
    else this.#waited.delete(id);
    if (this.#waited.size === 0 && this.#pollTimer) {
      clearInterval(this.#pollTimer);
      this.#pollTimer = undefined;
    }
  }

  /** Notifications are not durable (and their connection may be cut): look at the waited-for submissions too. */
  async #poll(): Promise<void> {
    if (this.#waited.size === 0 || this.#closed) return;
    try {
      const res = await this.#pool.query<{ id: string; status: SubmissionStatus }>(
        `SELECT id, status FROM qmb_submissions WHERE id = ANY($1::bigint[]) AND status <> 'pending'`,
        [[...this.#waited.keys()]],
      );
      for (const r of res.rows) this.emit('settled', Number(r.id), r.status);
    } catch {
      // The journal away: the waiters' time runs out, or the next poll answers.
    }
  }

  releaseWaiters(): void {
    this.#released = true;
    this.emit('release');
  }

  // --- health and lifecycle ------------------------------------------------------------------

  async check(): Promise<JournalCheck> {
    const depth = `${this.#pendingSubmissions} pending submissions, ${this.#pendingPoints} points`;
    try {
      await this.#open();
      const res = await this.#pool.query<{ standby: boolean; commit: string; names: string; sync: string }>(
        `SELECT pg_is_in_recovery() AS standby, current_setting('synchronous_commit') AS commit,
                current_setting('synchronous_standby_names') AS names,
                (SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')) AS sync`,
      );
      const r = res.rows[0]!;
      const where = `PostgreSQL at ${this.#pool.currentHost ? `${this.#pool.currentHost.host}:${this.#pool.currentHost.port}` : this.#pool.where}`;
      if (r.standby) return { ok: false, detail: `${where} is a standby (read-only)`, synchronous: false, sync_standbys: 0 };
      const synchronous = r.names.trim() !== '' && ['on', 'remote_apply', 'remote_write'].includes(r.commit);
      const standbys = Number(r.sync);
      const replication = synchronous
        ? `a commit waits for synchronous standbys (synchronous_standby_names '${r.names}', ${standbys} streaming)`
        : 'asynchronous: a commit is on the primary only';
      // Commits then wait until enough standbys are back: every append would end in a 503.
      const needed = synchronous ? requiredSyncStandbys(r.names) : 0;
      if (standbys < needed) {
        return { ok: false, detail: `${depth}; ${where}: commits wait for ${needed} synchronous standby${needed > 1 ? 's' : ''} (synchronous_standby_names '${r.names}') and ${standbys} ${standbys === 1 ? 'is' : 'are'} streaming`, synchronous, sync_standbys: standbys };
      }
      return { ok: true, detail: `${depth}; ${where}, ${replication}`, synchronous, sync_standbys: standbys };
    } catch (err) {
      const e = this.#pool.classify(err) as Error;
      return { ok: false, detail: e.message };
    }
  }

  async refresh(): Promise<void> {
    await this.#open();
    await this.#recount();
    void this.#listen();
    const res = await this.#pool.query<{ database: string }>(`SELECT DISTINCT database FROM qmb_submissions WHERE status = 'pending'`);
    for (const { database } of res.rows) this.emit('appended', database);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // What was appended before close is committed (or refused) first.
    while (this.#flushing || this.#queue.length > 0 || this.#scheduled) {
      if (this.#flushing) await this.#flushing;
      else await new Promise((r) => setImmediate(r));
    }
    this.#closed = true;
    clearInterval(this.#recountTimer);
    clearInterval(this.#pollTimer);
    clearTimeout(this.#relistenTimer);
    clearTimeout(this.#heldBackTimer);
    const listen = this.#listenClient;
    this.#listenClient = undefined;
    await listen?.end().catch(() => {});
    const lanes = this.#laneClient;
    this.#laneClient = undefined;
    this.#lanes.clear();
    if (lanes) await (await lanes.catch(() => undefined))?.end().catch(() => {});
    if (this.#ownsPool) await this.#pool.end();
  }
}
