// A private influxd and a broker writing to it, started before a suite's tests and stopped after them.
import { after, before } from 'node:test';
import { type BrokerProcess, type InProcessBroker, startBrokerInProcess, startBrokerProcess } from './broker.js';
import { type Influx, type InfluxOptions, startInflux } from './influxd.js';

export interface InfluxBrokerOptions {
  /** Broker settings on top of QMB_INFLUX_URL (which points at the influxd). */
  env?: Record<string, string>;
  /** Settings of the influxd. */
  influx?: InfluxOptions;
  /** Start the broker while influxd is stopped (paused after its first start), as after an outage. */
  influxDown?: boolean;
  /** How a broker process ends after the suite: SIGTERM (default) or SIGKILL. */
  stop?: 'term' | 'kill';
}

export interface Started<B> {
  influx: Influx;
  broker: B;
}

/**
 * Registers node:test before/after hooks (in the describe block it is called in, or for the file)
 * that start influxd and a broker on it, `qmb serve` as a child process (`process`) or the app in
 * this process for inject() (`in-process`), and stop both, removing their data. `started` receives
 * them once they run, e.g. `(s) => ({ influx, broker } = s)`, and is awaited: more set-up that needs
 * them goes there at a file's top level, where Node 20 runs the before hooks concurrently (inside a
 * describe block they run in order, so a later before hook sees them too).
 */
export function withInfluxBroker(kind: 'process', options: InfluxBrokerOptions, started: (s: Started<BrokerProcess>) => unknown): void;
export function withInfluxBroker(kind: 'in-process', options: InfluxBrokerOptions, started: (s: Started<InProcessBroker>) => unknown): void;
export function withInfluxBroker(
  kind: 'process' | 'in-process',
  options: InfluxBrokerOptions,
  started: ((s: Started<BrokerProcess>) => unknown) | ((s: Started<InProcessBroker>) => unknown),
): void {
  let influx: Influx | undefined;
  let processBroker: BrokerProcess | undefined;
  let inProcess: InProcessBroker | undefined;
  before(async () => {
    influx = await startInflux(options.influx);
    if (options.influxDown) await influx.pause();
    const env = { QMB_INFLUX_URL: influx.url, ...options.env };
    if (kind === 'process') {
      processBroker = await startBrokerProcess(env);
      await (started as (s: Started<BrokerProcess>) => unknown)({ influx, broker: processBroker });
    } else {
      inProcess = await startBrokerInProcess(env);
      await (started as (s: Started<InProcessBroker>) => unknown)({ influx, broker: inProcess });
    }
  });
  after(async () => {
    if (processBroker) {
      if (options.stop === 'kill') await processBroker.kill();
      else await processBroker.stop();
      processBroker.cleanup();
    }
    await inProcess?.close();
    await influx?.stop();
  });
}
