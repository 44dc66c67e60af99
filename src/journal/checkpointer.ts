// Moves the journal's WAL checkpoints to a worker thread (checkpoint-worker.ts); the committing connections then never checkpoint themselves.
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** SQLite's own default: a connection checkpoints once the WAL holds this many pages. */
const AUTO_CHECKPOINT_PAGES = 1000;
/** How often the worker checkpoints (ms). */
const INTERVAL_MS = 250;
/**
 * The worker only runs a pragma every quarter second: a small heap saves the broker 2 MB. Should
 * it ever reach the limit, the worker exits and the connections checkpoint again (see below).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16, codeRangeSizeMb: 4 } as const;

/**
 * A checkpoint copies the WAL into the database file and fsyncs it; done by the connection whose
 * commit crosses SQLite's threshold, it blocked the event loop for 70 ms and more under load, with
 * every request in flight waiting. Here a worker thread checkpoints every quarter second instead.
 * Should the worker fail, the connections take checkpointing back, as SQLite does by default.
 */
export class BackgroundCheckpointer {
  readonly #worker: Worker;
  readonly #connections: Database.Database[];
  #stopped = false;

  constructor(file: string, connections: Database.Database[]) {
    this.#connections = connections;
    for (const c of connections) c.pragma('wal_autocheckpoint = 0');
    this.#worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: { file, intervalMs: INTERVAL_MS }, resourceLimits: WORKER_LIMITS });
    this.#worker.unref();
    const fallBack = (): void => {
      if (this.#stopped) return;
      this.#stopped = true;
      for (const c of this.#connections) if (c.open) c.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    };
    this.#worker.on('error', fallBack);
    this.#worker.on('exit', fallBack);
  }

  /** Stops the worker (before the connections close; the last close checkpoints what is left). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#worker.postMessage('stop');
  }
}
