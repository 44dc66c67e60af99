// Start-up: collaborators, the app, listening, background duties, and the graceful stop (`qmb serve` wires it to signals).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { hashPassword } from './auth/password.js';
import { type BrokerDeps, closeBroker, createBroker } from './broker.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { buildApp } from './http/app.js';
import { loadTls } from './http/tls.js';
import { Backoff } from './backoff.js';
import { networkErrorCode } from './influx/connection.js';
import { InfluxSink } from './influx/sink.js';
import type { JournalStart } from './journal/journal-files.js';

export interface RunningBroker {
  app: FastifyInstance;
  deps: BrokerDeps;
  url: string;
  /** Stops accepting, finishes requests in flight, flushes what the sink takes, closes the journal. */
  close(): Promise<void>;
}

/**
 * On a fresh data dir: creates user "admin" with a random password and returns it (shown once).
 * Its id is 0, so the ids of an older broker's users (1, 2, ...) stay free for `qmb users add --id`.
 */
export async function ensureFirstUser(deps: BrokerDeps): Promise<string | undefined> {
  await deps.users.load();
  if (deps.users.list().length > 0) return undefined;
  const password = randomBytes(12).toString('base64url');
  // Replicas starting together on one PostgreSQL: only one adds it (and shows the password).
  const added = await deps.users.addFirst({ id: 0, name: 'admin', password: await hashPassword(password), metrics: ['*'] });
  return added ? password : undefined;
}

/**
 * Creates every database the metrics write to, so dashboards find them before the first write.
 * Those whose store is unreachable (the sink says so once) are tried again with backoff until
 * they succeed or `signal` aborts (the broker stops); with several InfluxDBs, one that is down
 * holds up only its own databases.
 */
async function createDatabases(deps: BrokerDeps, log: { warn(obj: object, msg: string): void }, signal: AbortSignal): Promise<void> {
  const backoff = new Backoff({ baseMs: 500, maxMs: 30_000 });
  let todo = deps.registry.databases();
  for (let failures = 1; todo.length > 0; failures++) {
    const left: string[] = [];
    for (const db of todo) {
      if (signal.aborted) return;
      try {
        await deps.sink.createDatabase(db);
      } catch (err) {
        if (networkErrorCode((err as Error).cause) !== undefined) {
          left.push(db);
          continue;
        }
        // Not fatal: the delivery worker creates a missing database on its first write.
        log.warn({ database: db, err: (err as Error).message }, 'could not create database at start');
      }
    }
    todo = left;
    if (todo.length === 0) return;
    try {
      await sleep(backoff.delay(failures), undefined, { signal, ref: false });
    } catch {
      return; // aborted: the broker is stopping
    }
  }
}

/** Builds and starts the broker; resolves once it listens. */
export async function startBroker(config: Config, options: { journalStart?: JournalStart; clock?: Clock } = {}): Promise<RunningBroker> {
  const log = pino({ level: config.logLevel });
  // Before anything is opened: a bad certificate file stops the start with one line.
  const tls = loadTls(config);
  const deps = createBroker(config, { logger: log, ...options });
  if (deps.journal.notice) log.warn({ journal: deps.journal.location, journal_id: deps.journal.journalId }, deps.journal.notice);
  if (deps.sink instanceof InfluxSink) {
    // A route that matches no database is most likely a typo or the wrong case: its family goes to the default InfluxDB.
    for (const pattern of deps.sink.targets.unmatched(deps.registry.databases())) {
      log.warn({ route: pattern }, `QMB_INFLUX_ROUTES: ${pattern} matches no database the metrics write to (names are case-sensitive)`);
    }
  }
  let app: FastifyInstance;
  let url: string;
  try {
    // Users and the signing key shared in PostgreSQL are read before the first request (no-ops for the files).
    await deps.users.load();
    await deps.tokens.ready();
    app = await buildApp(deps, { logger: log, ...(tls ? { https: tls } : {}) });
    url = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    // Nothing listens: close the stores so the journal's marker is up to date.
    await closeBroker(deps, deps.clock.now());
    throw err;
  }
  deps.worker.start();
  const stopCreating = new AbortController();
  void createDatabases(deps, log, stopCreating.signal);
  void deps.guard.prime(deps.registry.databases());
  const prune = setInterval(() => {
    deps.journal.prune(config.journalRetention * 1000).then(
      (n) => {
        if (n > 0) log.info({ pruned: n }, 'pruned delivered submissions past retention');
      },
      (err: Error) => log.warn({ err: err.message }, 'could not prune delivered submissions'),
    );
  }, 60_000);
  prune.unref();
  let closing: Promise<void> | undefined;
  return {
    app,
    deps,
    url,
    close() {
      closing ??= (async () => {
        clearInterval(prune);
        stopCreating.abort();
        // On the broker's clock, which the worker's flush compares it with.
        const deadline = deps.clock.now() + config.shutdownTimeout * 1000;
        // Requests waiting for delivery (?wait=) are answered now with what is known (202 pending).
        deps.journal.releaseWaiters();
        await app.close();
        await closeBroker(deps, deadline);
        log.info({ pending_submissions: deps.journal.pendingSubmissions }, 'broker stopped');
      })();
      return closing;
    },
  };
}
