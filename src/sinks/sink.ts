// Where delivered points end up: InfluxDB over HTTP, or the embedded SQLite store.

/** The outcome of one write: retry tells the worker whether trying again can help. */
export type WriteResult =
  | { ok: true }
  | {
      ok: false;
      /** Network errors, 5xx and 429: the same write may succeed later. */
      retry: boolean;
      /** The database does not exist: create it, then write again. */
      databaseMissing?: boolean;
      /** From `Retry-After`, when the store sent one. */
      retryAfterMs?: number;
      status?: number;
      message: string;
    };

export interface Health {
  ok: boolean;
  detail: string;
}

export interface Sink {
  readonly kind: 'influxdb' | 'embedded';
  /** Writes line protocol (precision ns) to a database. Never throws: failures are results. */
  write(database: string, lines: string): Promise<WriteResult>;
  createDatabase(database: string): Promise<void>;
  ping(): Promise<Health>;
  close(): Promise<void>;
}
