// The journal's one interface: every accepted payload is committed to it before the 2xx. Two
// implementations: SqliteJournal (a file in the data dir) and PgJournal (a shared PostgreSQL).
import type { NewSubmission, PendingEntry, PendingHead, Submission, SubmissionStatus } from './submission.js';

/** Which journal holds the submissions. */
export type JournalKind = 'sqlite' | 'postgres';

/** What /readyz shows of the journal. */
export interface JournalCheck {
  ok: boolean;
  detail: string;
  /** For a shared journal: whether a commit waits for a synchronous standby (a quorum). */
  synchronous?: boolean;
  /** Synchronous standbys streaming now. */
  sync_standbys?: number;
}

export interface ListOptions {
  status?: SubmissionStatus | undefined;
  limit?: number;
  beforeId?: number | undefined;
}

/** The events a journal emits, with their arguments. */
export interface JournalEvents {
  /** A database has new (or retried) work for delivery. */
  appended: [database: string];
  /** A submission left `pending`. */
  settled: [id: number, status: SubmissionStatus];
  /** Waiting is released: the broker is stopping. */
  release: [];
}

/**
 * The durable queue. Appends from one event-loop turn share one transaction (group commit); every
 * append resolves only after its commit. Delivery reads a database's pending submissions in the
 * order they were accepted.
 */
export interface Journal {
  readonly kind: JournalKind;
  /** The journal's id (stored with it): a journal replaced by another is noticed. */
  readonly journalId: string;
  /** Where it is, for logs: a file, or the hosts and database (never a password). */
  readonly location: string;
  /** What opening did to the journal (`--new-journal`, `--accept-journal`), for the operator. */
  readonly notice: string | undefined;
  /** Undelivered points, for back-pressure and /metrics. */
  readonly pendingPoints: number;
  readonly pendingSubmissions: number;
  /** What the in-memory copy of undelivered lines holds now (the rest is read from storage). */
  readonly lineCacheUse: { submissions: number; chars: number };

  /** Commits a submission; resolves with it once committed. */
  append(entry: NewSubmission): Promise<Submission>;
  get(id: number): Promise<Submission | undefined>;
  /** Lists submissions, newest first. */
  list(options?: ListOptions): Promise<Submission[]>;
  counts(): Promise<Record<SubmissionStatus, number>>;
  /** Databases with undelivered submissions that this process delivers. */
  pendingDatabases(): Promise<string[]>;
  /**
   * The oldest pending submissions of a database, up to about `maxPoints` points (at least one).
   * An entry whose line protocol is missing (damage) comes back with `lines` empty.
   */
  nextBatch(database: string, maxPoints: number): Promise<PendingEntry[]>;
  /** Whether a database has submissions this process can deliver now. */
  hasPending(database: string): Promise<boolean>;
  /** The line protocol of a database's undelivered submissions, oldest first. */
  pendingLines(database: string): AsyncIterable<string>;
  markDelivered(entries: readonly PendingHead[]): Promise<void>;
  markRejected(entry: PendingHead, error: string): Promise<void>;
  /** Records a failed attempt that will be retried. */
  markAttempt(entries: readonly PendingHead[], error: string): Promise<void>;
  /** Puts a rejected submission back in the queue; false when it is not rejected. */
  retry(id: number): Promise<boolean>;
  /** Deletes delivered submissions older than `retentionMs`; returns how many. */
  prune(retentionMs: number): Promise<number>;
  /**
   * Resolves when the submission leaves `pending`, the time is up, or waiting is released
   * (shutdown), with its state then.
   */
  waitSettled(id: number, timeoutMs: number): Promise<Submission | undefined>;
  /** Answers every waiter now and makes later waits return at once: the broker is stopping. */
  releaseWaiters(): void;
  /** Checks that the journal accepts writes (for /readyz). */
  check(): Promise<JournalCheck>;
  /** Re-reads the depth and announces every database with pending work (changes by other processes). */
  refresh(): Promise<void>;
  close(): Promise<void>;

  on<K extends keyof JournalEvents>(event: K, listener: (...args: JournalEvents[K]) => void): unknown;
  off<K extends keyof JournalEvents>(event: K, listener: (...args: JournalEvents[K]) => void): unknown;
}
