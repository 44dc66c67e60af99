// Delivers journaled points to the sink: batches per database, in order, with retries and backoff.
import type { Sink, WriteResult } from '../sinks/sink.js';
import { Backoff } from '../backoff.js';
import { type Clock, systemClock } from '../clock.js';
import { JournalUnavailableError } from '../errors.js';
import type { Journal } from './journal.js';
import type { PendingEntry, PendingHead } from './submission.js';

export interface DeliveryObserver {
  delivered(database: string, entries: readonly PendingHead[], now: number): void;
  failed(database: string, message: string, willRetry: boolean): void;
  rejected(database: string, entry: PendingEntry, message: string): void;
}

export interface WorkerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

export interface WorkerOptions {
  journal: Journal;
  sink: Sink;
  batchMaxPoints: number;
  backoff?: Backoff;
  clock?: Clock;
  logger?: WorkerLogger;
  observer?: DeliveryObserver;
  /**
   * How long a lane that finds little waiting (under a tenth of a batch in the journal) lets more
   * gather before it writes: one write instead of many small ones, each of which costs the store a
   * request and the journal a transaction. 0 (the default) writes at once.
   */
  lingerMs?: number;
}

/** A write under way: the submissions it settles, without their lines (the sink has them), and its answer. */
interface Sending {
  heads: PendingHead[];
  answer: Promise<WriteResult>;
}

interface Lane {
  busy: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

const SWEEP_MS = 5000;
const quiet: WorkerLogger = { info() {}, warn() {} };

/**
 * One lane per database: at most one write in flight, oldest submissions first, so points reach
 * each database in the order they were accepted. A failing database waits; the others go on.
 */
export class DeliveryWorker {
  readonly #o: Required<Omit<WorkerOptions, 'observer'>> & { observer: DeliveryObserver | undefined };
  readonly #lanes = new Map<string, Lane>();
  #running = false;
  #sweep: NodeJS.Timeout | undefined;
  /** Since when every write has failed (unset once one gets an answer other than "try again"). */
  #failingSince: number | undefined;
  #lastError: string | undefined;
  readonly #onAppended = (db: string): void => this.#kick(db);

  constructor(options: WorkerOptions) {
    if (options.batchMaxPoints < 1) throw new RangeError('batchMaxPoints must be at least 1');
    this.#o = {
      backoff: new Backoff(),
      clock: systemClock,
      logger: quiet,
      lingerMs: 0,
      ...options,
      observer: options.observer,
    };
  }

  /** Starts delivering what the journal holds and whatever it receives from now on. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#o.journal.on('appended', this.#onAppended);
    this.#o.journal.pendingDatabases().then(
      (dbs) => {
        for (const db of dbs) this.#kick(db);
      },
      (err: Error) => this.#o.logger.warn({ err: err.message }, 'could not read the journal; the next sweep tries again'),
    );
    // Picks up work another process put into the journal (an operator's retry, another replica's lane left free).
    this.#sweep = setInterval(() => {
      if (!this.#running) return;
      this.#o.journal.refresh().catch((err: Error) => this.#o.logger.debug?.({ err: err.message }, 'journal refresh failed'));
    }, SWEEP_MS);
    this.#sweep.unref();
  }

  /** Stops starting new writes; writes in flight finish. */
  stop(): void {
    this.#running = false;
    this.#o.journal.off('appended', this.#onAppended);
    clearInterval(this.#sweep);
    for (const lane of this.#lanes.values()) clearTimeout(lane.timer);
  }

  /** True while any write is in flight. */
  get busy(): boolean {
    return [...this.#lanes.values()].some((l) => l.busy);
  }

  /**
   * Whether writes get through: since when every write has failed and why the last one did
   * (`failingSince` undefined while the last write was taken or refused for good).
   */
  health(): { failingSince: number | undefined; lastError: string | undefined } {
    return { failingSince: this.#failingSince, lastError: this.#lastError };
  }

  #writeFailed(message: string): void {
    this.#failingSince ??= this.#o.clock.now();
    this.#lastError = message;
  }

  /** The store answered (took the points, or refused them for good): it works. */
  #writeAnswered(): void {
    this.#failingSince = undefined;
    this.#lastError = undefined;
  }

  /**
   * Waits until nothing is pending and no write is in flight, or until the deadline (a time of the
   * worker's clock) passes. Lanes keep their schedule: one waiting out a backoff is not tried
   * sooner, so while the store fails the wait lasts until the deadline. Used on shutdown.
   */
  async flush(deadlineMs: number): Promise<void> {
    while (this.#o.clock.now() < deadlineMs) {
      const dbs = await this.#o.journal.pendingDatabases().catch(() => undefined);
      if (dbs?.length === 0 && !this.busy) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  #lane(db: string): Lane {
    let lane = this.#lanes.get(db);
    if (!lane) {
      lane = { busy: false, failures: 0, timer: undefined };
      this.#lanes.set(db, lane);
    }
    return lane;
  }

  #kick(db: string): void {
    const lane = this.#lane(db);
    if (!this.#running || lane.busy || lane.timer) return;
    lane.busy = true;
    void this.#gather(lane)
      .then(() => (this.#running ? this.#deliver(db, lane) : undefined))
      .catch((err: Error) => {
        if (err instanceof JournalUnavailableError) {
          // The journal away (PostgreSQL failing over), not the store: try again once it is back.
          this.#o.logger.debug?.({ database: db, err: err.message }, 'journal unavailable; delivery waits');
        } else {
          this.#writeFailed(err.message);
          this.#o.logger.warn({ database: db, err: err.message }, 'delivery failed unexpectedly');
        }
        this.#scheduleRetry(db, lane, undefined);
      })
      .then(async () => {
        // The lane stays busy while the journal is asked (so a shutdown waits for the answer);
        // after stop() the journal may already be closed: ask it nothing more.
        const more = this.#running && !lane.timer && (await this.#o.journal.hasPending(db).catch(() => false));
        lane.busy = false;
        if (more) this.#kick(db);
      });
  }

  /**
   * Waits `lingerMs` when the journal holds under a tenth of a batch; at once otherwise, and for a
   * lane retrying after a failure (its backoff let the points gather already).
   */
  #gather(lane: Lane): Promise<void> {
    const { lingerMs, journal, batchMaxPoints } = this.#o;
    if (lingerMs <= 0 || lane.failures > 0 || journal.pendingPoints >= batchMaxPoints / 10) return Promise.resolve();
    return new Promise((resolve) => setTimeout(resolve, lingerMs));
  }

  #scheduleRetry(db: string, lane: Lane, retryAfterMs: number | undefined): void {
    lane.failures++;
    const delay = this.#o.backoff.delay(lane.failures, retryAfterMs);
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      this.#kick(db);
    }, delay);
  }

  /**
   * Hands the entries' lines to the sink and keeps only their heads. The sink is done with the
   * strings when write() returns, so they die young instead of being promoted while the store
   * answers (4 MB for a batch of 20,000 points). Not async for that reason.
   */
  #send(db: string, entries: readonly PendingEntry[]): Sending {
    return { answer: this.#o.sink.write(db, entries.map((e) => e.lines)), heads: entries.map(({ id, points, receivedAt }) => ({ id, points, receivedAt })) };
  }

  /** The database's next batch on its way to the sink, its damaged submissions rejected; undefined when none waits. */
  async #sendNext(db: string): Promise<Sending | undefined> {
    const found = await this.#o.journal.nextBatch(db, this.#o.batchMaxPoints);
    // Every accepted submission has at least one line; one without is damage, not "nothing to write".
    for (const e of found) if (e.lines === '') await this.#reject(db, e, 'its line protocol is missing from the journal');
    const batch = found.filter((e) => e.lines !== '');
    return batch.length > 0 ? this.#send(db, batch) : undefined;
  }

  /** Writes the next batch; a database the store does not have yet is created and the batch read and written again. */
  async #writeNext(db: string): Promise<{ batch: PendingHead[]; result: WriteResult } | undefined> {
    const first = await this.#sendNext(db);
    if (!first) return undefined;
    const result = await first.answer;
    if (result.ok || !result.databaseMissing) return { batch: first.heads, result };
    this.#o.logger.info({ database: db }, 'creating missing database');
    try {
      await this.#o.sink.createDatabase(db);
    } catch (err) {
      return { batch: first.heads, result: { ok: false, retry: true, message: `could not create database ${db}: ${(err as Error).message}` } };
    }
    const again = await this.#sendNext(db);
    return again && { batch: again.heads, result: await again.answer };
  }

  /** The submissions of a refused batch again, with their lines, to find which of them the store refuses. */
  async #reread(db: string, batch: readonly PendingHead[]): Promise<PendingEntry[]> {
    const ids = new Set(batch.map((h) => h.id));
    // Nothing of the batch was settled: the oldest pending submissions are still these.
    const found = await this.#o.journal.nextBatch(db, this.#o.batchMaxPoints);
    return found.filter((e) => ids.has(e.id) && e.lines !== '');
  }

  async #deliver(db: string, lane: Lane): Promise<void> {
    const { journal, observer } = this.#o;
    const written = await this.#writeNext(db);
    if (!written) return;
    const { batch, result } = written;
    if (result.ok || !result.retry) this.#writeAnswered();
    else this.#writeFailed(result.message);
    if (result.ok) {
      await journal.markDelivered(batch);
      lane.failures = 0;
      observer?.delivered(db, batch, this.#o.clock.now());
      return;
    }
    if (result.retry) {
      await journal.markAttempt(batch, result.message);
      observer?.failed(db, result.message, true);
      const detail = { database: db, submissions: batch.length, err: result.message };
      // An unreachable store was announced once by the sink; one warning per lane and attempt would bury it.
      if (result.unreachable !== undefined) this.#o.logger.debug?.(detail, 'delivery failed, will retry');
      else this.#o.logger.warn(detail, 'delivery failed, will retry');
      this.#scheduleRetry(db, lane, result.retryAfterMs);
      return;
    }
    // Refused for good. Writes are idempotent (same series and time overwrite), so write the batch's
    // submissions one by one to find which of them the database refuses.
    const entries = await this.#reread(db, batch);
    if (entries.length === 1) {
      await this.#reject(db, entries[0] as PendingEntry, result.message);
      lane.failures = 0;
      return;
    }
    for (const entry of entries) {
      const one = await this.#send(db, [entry]).answer;
      if (one.ok || !one.retry) this.#writeAnswered();
      else this.#writeFailed(one.message);
      if (one.ok) {
        await journal.markDelivered([entry]);
        observer?.delivered(db, [entry], this.#o.clock.now());
      } else if (one.retry) {
        await journal.markAttempt([entry], one.message);
        observer?.failed(db, one.message, true);
        this.#scheduleRetry(db, lane, one.retryAfterMs);
        return;
      } else {
        await this.#reject(db, entry, one.message);
      }
    }
    lane.failures = 0;
  }

  async #reject(db: string, entry: PendingEntry, message: string): Promise<void> {
    await this.#o.journal.markRejected(entry, message);
    this.#o.observer?.rejected(db, entry, message);
    this.#o.observer?.failed(db, message, false);
    this.#o.logger.warn({ database: db, submission: entry.id, err: message }, 'submission rejected by the database');
  }
}
