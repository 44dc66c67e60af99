// Start-up: collaborators, the app, listening, background duties, and the graceful stop (`qmb serve` wires it to signals).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { hashPassword } from './auth/password.js';
import { type BrokerDeps, closeBroker, createBroker } from './broker.js';
import type { Config } from './config.js';
import { buildApp } from './http/app.js';

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
  if (deps.users.list().length > 0) return undefined;
  const password = randomBytes(12).toString('base64url');
  deps.users.save({ id: 0, name: 'admin', password: await hashPassword(password), metrics: ['*'] });
  return password;
}

/** Creates every database the metrics write to, so dashboards find them before the first write. */
async function createDatabases(deps: BrokerDeps, log: { warn(obj: object, msg: string): void }): Promise<void> {
  for (const db of deps.registry.databases()) {
    try {
      await deps.sink.createDatabase(db);
    } catch (err) {
      // Not fatal: the delivery worker creates a missing database on its first write.
      log.warn({ database: db, err: (err as Error).message }, 'could not create database at start');
    }
  }
}

/** Builds and starts the broker; resolves once it listens. */
export async function startBroker(config: Config): Promise<RunningBroker> {
  const log = pino({ level: config.logLevel });
  const deps = createBroker(config, { logger: log });
  const app = await buildApp(deps, { logger: log });
  const url = await app.listen({ host: config.host, port: config.port });
  deps.worker.start();
  void createDatabases(deps, log);
  void deps.guard.prime(deps.registry.databases());
  const prune = setInterval(() => {
    const n = deps.journal.prune(config.journalRetention * 1000);
    if (n > 0) log.info({ pruned: n }, 'pruned delivered submissions past retention');
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
        const deadline = Date.now() + config.shutdownTimeout * 1000;
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
