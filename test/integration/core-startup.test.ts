// Start-up against InfluxDB: the broker creates every database its metrics write to, before any write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { waitFor } from '../helpers/ports.js';
import { SPEC_DATABASES } from '../helpers/spec-databases.js';

describe('broker start-up with InfluxDB', { timeout: 60_000 }, () => {
  let influx: Influx;
  let broker: BrokerProcess;

  before(async () => {
    influx = await startInflux();
    broker = await startBrokerProcess({ QMB_INFLUX_URL: influx.url });
  });

  after(async () => {
    await broker?.stop();
    broker?.cleanup();
    await influx?.stop();
  });

  it('creates the databases of all built-in metrics without waiting for a first write', async () => {
    const wanted = [...new Set(Object.values(SPEC_DATABASES))].sort();
    let have: string[] = [];
    await waitFor(async () => {
      const series = await influx.query(undefined, 'SHOW DATABASES');
      have = (series[0]?.values ?? []).map((v) => String(v[0]));
      return wanted.every((db) => have.includes(db));
    }, 20_000, 'the metric databases');
    assert.deepEqual(wanted.filter((db) => !have.includes(db)), []);
  });
});
