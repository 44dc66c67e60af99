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
      /** Set when the store could not be reached at all (network error code): the sink has said so once. */
      unreachable?: string;
      message: string;
    };

/** Where a sink reports its own state changes (pino's shape). */
export interface SinkLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Health {
  ok: boolean;
  detail: string;
  /** With several stores (QMB_INFLUX_ROUTES): each one's answer. */
  targets?: { url: string; ok: boolean; detail: string }[];
}

export interface Sink {
  readonly kind: 'influxdb' | 'embedded';
  /** While the store (or one of several) cannot be reached: the network error code (`ECONNREFUSED`, ...); else undefined. */
  readonly unreachable?: string | undefined;
  /**
   * Writes line protocol (precision ns) to a database. Each element of `chunks` holds one or more
   * whole lines; the sink sends them one after the other without joining them into one string.
   * The sink is done with `chunks` when write() returns (it has encoded or stored them), so the
   * caller may let the strings go while the answer is awaited. Never throws: failures are results.
   */
  write(database: string, chunks: readonly string[]): Promise<WriteResult>;
  createDatabase(database: string): Promise<void>;
  ping(): Promise<Health>;
  close(): Promise<void>;
}
