// Picks the read store that matches the configured sink.
import type Database from 'better-sqlite3';
import type { BrokerDeps } from '../broker.js';
import { EmbeddedReadStore } from '../embedded/read-store.js';
import { InfluxReadStore } from '../influx/read-store.js';
import type { ReadStore } from './read-store.js';

/**
 * Reads where the broker writes: the embedded store's SQLite handle, or InfluxDB at the sink's URL
 * (else QMB_INFLUX_URL) with the configured credentials.
 */
export function createReadStore(deps: Pick<BrokerDeps, 'sink' | 'config'>): ReadStore {
  const { sink, config } = deps;
  if (sink.kind === 'embedded') {
    const db = (sink as { database?: Database.Database }).database;
    if (!db) throw new Error('the embedded store exposes no SQLite handle to read');
    return new EmbeddedReadStore(db);
  }
  const url = (sink as { url?: string }).url ?? config.influxUrl;
  if (!url) throw new Error('no InfluxDB URL to read from');
  return new InfluxReadStore({ url, username: config.influxUsername, password: config.influxPassword, token: config.influxToken });
}
