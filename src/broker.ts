// Builds the broker's collaborators from the configuration: registry, journal, sink, read store, users, tokens, worker.
import path from 'node:path';
import type { Config } from './config.js';
import { createTokens, createUsers } from './auth/create-users.js';
import type { CheckStore } from './check/check-store.js';
import { createCheckStore } from './check/create-check-store.js';
import type { TokenService } from './auth/tokens.js';
import type { UserDirectory } from './auth/users.js';
import { type Clock, systemClock } from './clock.js';
import { dataFileError } from './data-files.js';
import { FreeSpace } from './journal/free-space.js';
import { createJournal } from './journal/create-journal.js';
import type { Journal } from './journal/journal.js';
import type { JournalStart } from './journal/journal-files.js';
import { DeliveryWorker, type WorkerLogger } from './journal/worker.js';
import { type MetricRegistry, loadRegistry } from './metrics/registry.js';
import type { ReadStore } from './read/read-store.js';
import { EmbeddedReadStore } from './embedded/read-store.js';
import { EmbeddedStore } from './embedded/store.js';
import { InfluxReadStore } from './influx/read-store.js';
import { InfluxSink } from './influx/sink.js';
import type { Sink, SinkLogger } from './sinks/sink.js';
import { createStoreGuard, observeWithGuard } from './stored/create.js';
import type { StoreGuard } from './stored/guard.js';
import { Telemetry } from './telemetry.js';
import { type PgPool, createPgPool } from './pg/pool.js';

/**
 * How long a delivery lane with little waiting lets one-point payloads gather into one write: at
 * 8,000 payloads/s they arrived ~35 to a write, ~290 writes/s; gathered, the broker spent ~18 %
 * less CPU per payload and InfluxDB ~40 % less (docs/performance.md). Landing takes that much longer.
 */
const DELIVERY_LINGER_MS = 5;

/** Everything the HTTP app and the CLI verbs work with. */
export interface BrokerDeps {
  config: Config;
  registry: MetricRegistry;
  journal: Journal;
  /** Free space of the data dir, checked before each commit. */
  storage: FreeSpace;
  sink: Sink;
  users: UserDirectory;
  tokens: TokenService;
  worker: DeliveryWorker;
  telemetry: Telemetry;
  clock: Clock;
  /** What the store holds: refuses before the 2xx what it would drop (field types, tag values). */
  guard: StoreGuard;
  /** Recorded regression checks (`checks.sqlite` in the data dir, or PostgreSQL). */
  checks: CheckStore;
  /** With QMB_JOURNAL_URL: the connections of users, the shared signing key and checks. */
  sharedPool: PgPool | undefined;
}

/** The sink the configuration names: InfluxDB (routed by QMB_INFLUX_ROUTES) when QMB_INFLUX_URL is set, else the embedded store. */
export function createSink(config: Config, logger?: SinkLogger): Sink {
  if (config.influxUrl) {
    return new InfluxSink({
      url: config.influxUrl,
      routes: config.influxRoutes,
      username: config.influxUsername,
      password: config.influxPassword,
      token: config.influxToken,
      consistency: config.influxConsistency,
      ...(logger ? { logger } : {}),
    });
  }
  return new EmbeddedStore(config.dataDir, { maxValuesPerTag: config.maxValuesPerTag });
}

/**
 * Reads where the broker writes: the embedded store through its own SQLite handle, or each database
 * at the sink's InfluxDB for it (else QMB_INFLUX_URL and QMB_INFLUX_ROUTES, for a sink given by a
 * test) with the configured credentials.
 */
export function createReadStore(deps: Pick<BrokerDeps, 'sink' | 'config'>): ReadStore {
  const { sink, config } = deps;
  if (sink instanceof EmbeddedStore) return new EmbeddedReadStore(sink.database);
  if (sink.kind === 'embedded') throw new Error('this embedded sink has no store to read');
  const [url, routes] = sink instanceof InfluxSink ? [sink.url, sink.targets.routes] : [config.influxUrl, config.influxRoutes];
  if (!url) throw new Error('no InfluxDB URL to read from');
  return new InfluxReadStore({ url, routes, username: config.influxUsername, password: config.influxPassword, token: config.influxToken });
}

/** Builds all collaborators; nothing runs until the worker is started. */
export function createBroker(
  config: Config,
  options: { sink?: Sink; clock?: Clock; logger?: WorkerLogger; registry?: MetricRegistry; journalStart?: JournalStart } = {},
): BrokerDeps {
  const clock = options.clock ?? systemClock;
  const registry = options.registry ?? loadRegistry({ extraDir: config.metricsDir });
  const sharedPool = config.journalUrl ? createPgPool(config.journalUrl, { max: 4, onIdleError: (err) => options.logger?.warn({ err: err.message }, 'PostgreSQL connection lost') }) : undefined;
  const tokens = createTokens(config, sharedPool);
  const users = createUsers(config, sharedPool, { onRefreshError: (err) => options.logger?.warn({ err: (err as Error).message }, 'could not read the users from PostgreSQL') });
  const journal = createJournal(config, clock, {
    backgroundCheckpoints: true,
    ...(options.journalStart ? { start: options.journalStart } : {}),
    onBackgroundError: (what, err) => options.logger?.warn({ err: err.message }, `journal: ${what} connection lost; connecting again`),
  });
  let sink: Sink;
  try {
    sink = options.sink ?? createSink(config, options.logger);
  } catch (err) {
    void journal.close();
    throw err;
  }
  let checks: CheckStore;
  try {
    checks = createCheckStore(config, sharedPool);
  } catch (err) {
    void journal.close();
    void sink.close();
    throw dataFileError('checks', path.join(config.dataDir, 'checks.sqlite'), err);
  }
  const storage = new FreeSpace(config.dataDir, config.minFreeBytes, clock);
  const telemetry = new Telemetry(journal);
  const guard = createStoreGuard(sink, config, journal, { clock, logger: options.logger });
  const worker = new DeliveryWorker({
    journal,
    sink,
    batchMaxPoints: config.batchMaxPoints,
    lingerMs: DELIVERY_LINGER_MS,
    clock,
    observer: observeWithGuard(telemetry, guard),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { config, registry, journal, storage, sink, users, tokens, worker, telemetry, clock, guard, checks, sharedPool };
}

/** Stops delivery (after flushing what the sink takes before the deadline, a time of `deps.clock`) and closes the stores. */
export async function closeBroker(deps: BrokerDeps, flushDeadlineMs: number): Promise<void> {
  await deps.worker.flush(flushDeadlineMs);
  deps.worker.stop();
  // A write still in flight past the deadline stays pending in the journal and is sent again next start.
  while (deps.worker.busy && deps.clock.now() < flushDeadlineMs + 1000) await new Promise((r) => setTimeout(r, 10));
  await deps.journal.close();
  await deps.checks.close();
  await deps.users.close();
  await deps.sink.close();
  await deps.sharedPool?.end();
}
