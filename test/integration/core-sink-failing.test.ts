// A database that answers /ping but fails every write (InfluxDB answering 500): /readyz turns not
// ready once every write has failed for QMB_DELIVERY_FAILING_AFTER while submissions wait, and
// ready again after the first write that succeeds.
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type InProcessBroker, startBrokerInProcess } from '../helpers/broker.js';
import { waitFor } from '../helpers/ports.js';
import { call, churnPayload } from '../helpers/core-support.js';

/**
 * A stand-in for InfluxDB's HTTP API: /ping 204, /query (CREATE DATABASE) 200, /write as told.
 * InfluxDB itself cannot be made to answer 500 on demand.
 */
class FlakyInflux {
  writeStatus = 500;
  writes = 0;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname === '/ping') {
          res.writeHead(204, { 'X-Influxdb-Version': 'stand-in' }).end();
        } else if (url.pathname === '/query') {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"results":[{"statement_id":0}]}');
        } else if (url.pathname === '/write') {
          this.writes++;
          if (this.writeStatus === 204) res.writeHead(204).end();
          else res.writeHead(this.writeStatus, { 'Content-Type': 'application/json' }).end('{"error":"engine: write failed: disk I/O error"}');
        } else {
          res.writeHead(404).end();
        }
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((r) => this.#server.close(() => r()));
  }
}

describe('/readyz while every write fails', { timeout: 60_000 }, () => {
  let influx: FlakyInflux;
  let broker: InProcessBroker;

  before(async () => {
    influx = new FlakyInflux();
    const url = await influx.listen();
    broker = await startBrokerInProcess({ QMB_INFLUX_URL: url, QMB_DELIVERY_FAILING_AFTER: '2s' });
  });

  after(async () => {
    await broker?.close();
    await influx?.close();
  });

  it('turns not ready after the writes have failed for the set time, naming the last error', async () => {
    const ready = await call(broker.app, 'GET', '/readyz');
    assert.equal(ready.status, 200, ready.body);
    const res = await call(broker.app, 'POST', '/api/v1/metrics', { token: broker.token(), body: churnPayload(1, '2021-06-01T00:00:00Z', 'flaky') });
    assert.equal(res.status, 202, res.body);
    await waitFor(() => influx.writes > 0, 10_000, 'a first write');
    // /ping still answers: the sink looks up, but nothing gets in.
    await waitFor(async () => (await call(broker.app, 'GET', '/readyz')).status === 503, 15_000, '/readyz to turn 503');
    const down = await call(broker.app, 'GET', '/readyz');
    assert.equal(down.json.ready, false);
    assert.equal(down.json.checks.journal.ok, true);
    assert.equal(down.json.checks.sink.ok, false, down.body);
    assert.match(down.json.checks.sink.detail, /every write .*failed/);
    assert.match(down.json.checks.sink.detail, /disk I\/O error/);
    assert.ok(down.json.checks.sink.failing_for_seconds >= 2, down.body);

    influx.writeStatus = 204;
    await waitFor(() => broker.deps.journal.pendingSubmissions === 0, 40_000, 'the submission delivered');
    const up = await call(broker.app, 'GET', '/readyz');
    assert.equal(up.status, 200, up.body);
    assert.equal(up.json.checks.sink.ok, true);
  });
});
