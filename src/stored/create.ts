// The StoreGuard for the configured sink: InfluxDB's facts over /query, or the embedded store's own tables.
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { DeliveryObserver, WorkerLogger } from '../journal/worker.js';
import { EmbeddedStore } from '../embedded/store.js';
import { InfluxSink } from '../influx/sink.js';
import type { Sink } from '../sinks/sink.js';
import { EmbeddedFacts } from './embedded-facts.js';
import type { StoreFacts } from './facts.js';
import { StoreGuard, type StoreGuardOptions } from './guard.js';
import { InfluxFacts } from './influx-facts.js';

/** For a sink the broker cannot ask (a test double): every question fails, so only memory judges. */
const UNKNOWN: StoreFacts = {
  shardDuration: () => Promise.reject(new Error('this sink cannot be asked')),
  fieldTypes: () => Promise.reject(new Error('this sink cannot be asked')),
  fieldTypeIn: () => Promise.reject(new Error('this sink cannot be asked')),
  tagValueCount: () => Promise.reject(new Error('this sink cannot be asked')),
  tagValues: () => Promise.reject(new Error('this sink cannot be asked')),
};

/** The facts of a sink: its SQLite tables, or each database's InfluxDB with the configured credentials. */
export function factsOf(sink: Sink, config: Config): StoreFacts {
  if (sink instanceof EmbeddedStore) return new EmbeddedFacts(sink.database);
  if (sink instanceof InfluxSink) {
    const { url, targets } = sink;
    return new InfluxFacts({ url, routes: targets.routes, username: config.influxUsername, password: config.influxPassword, token: config.influxToken });
  }
  return UNKNOWN;
}

/** Builds the guard of a broker. */
export function createStoreGuard(
  sink: Sink,
  config: Config,
  journal: StoreGuardOptions['journal'],
  options: { clock?: Clock; logger?: WorkerLogger | undefined } = {},
): StoreGuard {
  return new StoreGuard({
    facts: factsOf(sink, config),
    journal,
    maxValuesPerTag: config.maxValuesPerTag,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

/** The worker's observer, also telling the guard what the store refused (so it corrects itself). */
export function observeWithGuard(observer: DeliveryObserver, guard: StoreGuard): DeliveryObserver {
  return {
    delivered: (db, entries, now) => observer.delivered(db, entries, now),
    failed: (db, message, willRetry) => observer.failed(db, message, willRetry),
    rejected: (db, entry, message) => {
      observer.rejected(db, entry, message);
      guard.rejected(db, entry, message);
    },
  };
}
