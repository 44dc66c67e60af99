// Connections to the shared journal: a node-postgres pool that finds the writable server of a host list, with every wait bounded.
import { createRequire } from 'node:module';
import type pg from 'pg';
import { JournalUnavailableError } from '../errors.js';
import { describePgError, isUnavailable, journalError } from './classify.js';
import { type PgHost, type PgTarget, hostLabel } from './url.js';

export interface PgPoolOptions {
  /** Connections at most (default 10). */
  max?: number;
  /** Per host: TCP connect, TLS and login (default 5000 ms). */
  connectTimeoutMs?: number;
  /** A query without an answer in this time fails and its connection is dropped (default 30000 ms). */
  queryTimeoutMs?: number;
  /** An idle connection is closed after this (default 30000 ms). */
  idleTimeoutMs?: number;
  /** The server ends a session left idle inside a transaction this long (default 60000 ms; 0 = never). */
  idleInTransactionTimeoutMs?: number;
  /** Shown in pg_stat_activity (default: the URL's application_name, else "qmb"). */
  applicationName?: string;
  /** Seconds a client is told to wait (Retry-After) when the journal is unavailable (default 5). */
  retryAfterSeconds?: number;
  /** A connection failed while idle in the pool (the server went away); the pool drops it either way. */
  onIdleError?: (err: Error) => void;
}

/** The pool the journal, users, secret and check stores share. Every error it throws is classified (see journalError). */
export interface PgPool {
  readonly target: PgTarget;
  /** The servers, without password: for messages, logs and /readyz. */
  readonly where: string;
  /** The server new connections go to, once one was found. */
  readonly currentHost: PgHost | undefined;
  /** One statement on a pooled connection. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** `fn` inside BEGIN ... COMMIT on one connection; ROLLBACK when it throws. */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** A pooled connection of its own; give it back with release(err) (err destroys it). */
  connect(): Promise<pg.PoolClient>;
  /** A connection outside the pool (LISTEN, advisory locks held for long): to the writable server, same timeouts. */
  connectDedicated(): Promise<pg.Client>;
  /** The error as the broker reports it (JournalUnavailableError naming the servers, or itself). */
  classify(err: unknown): unknown;
  end(): Promise<void>;
}

const DEFAULTS = {
  max: 10,
  connectTimeoutMs: 5000,
  queryTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  idleInTransactionTimeoutMs: 60_000,
  retryAfterSeconds: 5,
};

function sslOption(target: PgTarget): pg.ClientConfig['ssl'] {
  if (target.sslMode === 'disable') return false;
  if (target.sslMode === 'require') return { rejectUnauthorized: false };
  return { rejectUnauthorized: true };
}

const requireCjs = createRequire(import.meta.url);
let nodePostgres: typeof pg | undefined;

/**
 * node-postgres, loaded when the first pool is made: importing it makes the engine load its fetch
 * implementation (undici; with node-postgres itself about 5 MB of an idle broker), which a broker on
 * the SQLite journal never uses.
 */
function loadNodePostgres(): typeof pg {
  return (nodePostgres ??= requireCjs('pg') as typeof pg);
}

/**
 * Knows which server of the list takes writes. With one host it is that host; with several, the
 * first where `pg_is_in_recovery()` is false, found by probing them in turn and kept until a
 * connection to it fails or finds it read-only (then the next connection probes again).
 */
class HostSelector {
  private current: PgHost | undefined;
  private probing: Promise<PgHost> | undefined;
  /** Bumped whenever the writable server changes: pooled connections of older generations are dropped. */
  generation = 0;

  constructor(
    private readonly target: PgTarget,
    private readonly where: string,
    private readonly clientConfig: pg.ClientConfig,
    private readonly retryAfterSeconds: number,
    private readonly Client: typeof pg.Client,
  ) {
    if (target.hosts.length === 1) this.current = target.hosts[0];
  }

  get multi(): boolean {
    return this.target.hosts.length > 1;
  }

  get host(): PgHost | undefined {
    return this.current;
  }

  pick(): Promise<PgHost> {
    if (this.current) return Promise.resolve(this.current);
    this.probing ??= this.probe().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  /** `host` failed or is read-only: find the writable one again next time. */
  forget(host: PgHost | undefined): void {
    if (!this.multi || host === undefined || this.current !== host) return;
    this.current = undefined;
    this.generation += 1;
  }

  private async probe(): Promise<PgHost> {
    const problems: string[] = [];
    for (const host of this.target.hosts) {
      const client = new this.Client({ ...this.clientConfig, host: host.host, port: host.port });
      client.on('error', () => {});
      try {
        await client.connect();
        const res = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
        if (res.rows[0]?.standby === false) {
          this.current = host;
          this.generation += 1;
          return host;
        }
        problems.push(`${hostLabel(host)} is a standby`);
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        problems.push(`${hostLabel(host)}: ${describePgError(err)}`);
      } finally {
        await client.end().catch(() => {});
      }
    }
    throw new JournalUnavailableError(this.where, `no server accepts writes (${problems.join('; ')})`, this.retryAfterSeconds);
  }
}

interface GenerationTagged {
  qmbGeneration?: number;
  qmbHost?: PgHost;
}

/** Opens a pool on `target`. Nothing connects until the first query. */
export function createPgPool(target: PgTarget, options: PgPoolOptions = {}): PgPool {
  const lib = loadNodePostgres();
  const o = { ...DEFAULTS, ...options };
  const where = target.hosts.map(hostLabel).join(',');
  const clientConfig: pg.ClientConfig = {
    user: target.user,
    password: target.password,
    database: target.database,
    host: target.hosts[0]?.host,
    port: target.hosts[0]?.port,
    ssl: sslOption(target),
    application_name: options.applicationName ?? target.applicationName ?? 'qmb',
    connectionTimeoutMillis: o.connectTimeoutMs,
    query_timeout: o.queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(o.idleInTransactionTimeoutMs > 0 ? { idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs } : {}),
  };
  const selector = new HostSelector(target, where, clientConfig, o.retryAfterSeconds, lib.Client);
  const classify = (err: unknown): unknown => journalError(err, where, o.retryAfterSeconds);

  /** Connects to the writable server; with a host list, checks it still is (a failover may have demoted it). */
  async function open(client: pg.Client & GenerationTagged, connect: () => Promise<unknown>): Promise<void> {
    const host = await selector.pick();
    const generation = selector.generation;
    client.host = host.host;
    client.port = host.port;
    try {
      await connect();
      if (selector.multi) {
        const res = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
        if (res.rows[0]?.standby !== false) throw new JournalUnavailableError(where, `${hostLabel(host)} is a standby (in recovery)`, o.retryAfterSeconds);
      }
    } catch (err) {
      if (isUnavailable(err)) selector.forget(host);
      await client.end().catch(() => {});
      throw classify(err);
    }
    client.qmbGeneration = generation;
    client.qmbHost = host;
  }

  class HostListClient extends lib.Client {
    constructor(config?: pg.ClientConfig) {
      // The pool hands its own (longer) connection wait to each client: each host gets connectTimeoutMs.
      super({ ...clientConfig, ...config, connectionTimeoutMillis: o.connectTimeoutMs });
      // A server ending a connection that is checked out (the pool listens only to idle ones) makes
      // the client emit 'error', even while a query is being failed with it: without a listener that
      // would end the process. The query (or the next one) fails and the connection is dropped on release.
      this.on('error', () => {});
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: (err: Error) => void): void;
    override connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
      const done = open(this, () => super.connect()).then(() => this);
      if (!callback) return done;
      done.then(
        () => (callback as (err: Error | null) => void)(null),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    }
  }

  const pool = new lib.Pool({
    ...clientConfig,
    Client: HostListClient,
    max: o.max,
    idleTimeoutMillis: o.idleTimeoutMs,
    // The pool's own wait covers probing every host of the list once, then connecting.
    connectionTimeoutMillis: o.connectTimeoutMs * (target.hosts.length + 1) + 1000,
  });
  // An idle connection whose server went away: the pool drops it; without a listener it would crash the process.
  pool.on('error', (err: Error, client: pg.PoolClient) => {
    selector.forget((client as unknown as GenerationTagged).qmbHost);
    options.onIdleError?.(err);
  });

  async function connect(): Promise<pg.PoolClient> {
    for (;;) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw classify(err);
      }
      // A connection made before the writable server changed goes to the old one: drop it, take another.
      if ((client as unknown as GenerationTagged).qmbGeneration === selector.generation || !selector.multi) return client;
      client.release(true);
    }
  }

  /** Gives the connection back, dropping it on errors of the connection (not of the statement). */
  function settle(client: pg.PoolClient, err: unknown): void {
    if (err !== undefined && isUnavailable(err)) {
      selector.forget((client as unknown as GenerationTagged).qmbHost);
      client.release(err instanceof Error ? err : true);
    } else {
      client.release();
    }
  }

  return {
    target,
    where,
    get currentHost() {
      return selector.host;
    },
    async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
      const client = await connect();
      try {
        const res = await client.query<R>(text, values);
        settle(client, undefined);
        return res;
      } catch (err) {
        settle(client, err);
        throw classify(err);
      }
    },
    async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      const client = await connect();
      try {
        await client.query('BEGIN');
        const out = await fn(client);
        await client.query('COMMIT');
        settle(client, undefined);
        return out;
      } catch (err) {
        let broken = isUnavailable(err);
        if (!broken) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
        }
        if (broken) {
          selector.forget((client as unknown as GenerationTagged).qmbHost);
          client.release(true);
        } else {
          client.release();
        }
        throw classify(err);
      }
    },
    connect,
    async connectDedicated() {
      const client = new HostListClient(clientConfig);
      await client.connect();
      return client;
    },
    classify,
    async end() {
      await pool.end();
    },
  };
}
