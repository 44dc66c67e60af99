// How the broker's InfluxDB client meets an InfluxDB that does not answer, answers "busy", drops
// the connection or is not there: each failure is retried, and only an absent server is called
// unreachable (a slow one is not). The frozen server is a real influxd under SIGSTOP; the busy and
// rude ones are small HTTP peers, since influxd cannot be made to answer that way.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { InfluxSink } from '../../src/influx/sink.js';
import { InfluxReadStore } from '../../src/influx/read-store.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { freePort } from '../helpers/ports.js';

interface Said {
  level: 'warn' | 'info';
  msg: string;
}

function recordingLogger(said: Said[]) {
  return {
    warn: (_obj: object, msg: string) => said.push({ level: 'warn', msg }),
    info: (_obj: object, msg: string) => said.push({ level: 'info', msg }),
  };
}

/** A peer on loopback that answers every request with `handler`; closed by the returned function. */
async function peer(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const LINES = ['http_client,host=a value=1i 1700000000000000000', 'http_client,host=b value=2i 1700000000000000001'];

describe('the InfluxDB client', () => {
  let influx: Influx;
  before(async () => {
    influx = await startInflux();
  });
  after(async () => {
    influx.thaw();
    await influx.stop();
  });

  it('gives up on a frozen InfluxDB at the deadline, calls it slow rather than unreachable, and writes once it answers again', async () => {
    const said: Said[] = [];
    const sink = new InfluxSink({ url: influx.url, timeoutMs: 800, logger: recordingLogger(said) });
    await sink.createDatabase('http_client');
    influx.freeze();
    const t0 = Date.now();
    const result = await sink.write('http_client', LINES);
    const waited = Date.now() - t0;
    influx.thaw();
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.retry, 'a timed-out write is retried');
    assert.ok(!result.ok && result.unreachable === undefined, 'a slow InfluxDB is not an absent one');
    assert.match(!result.ok ? result.message : '', /did not answer within 800 ms/);
    assert.ok(waited >= 700 && waited < 5000, `gave up after ${waited} ms`);
    assert.deepEqual(said, [], 'nothing said about reachability');

    assert.deepEqual(await sink.write('http_client', LINES), { ok: true });
    const [count] = await influx.rows('http_client', 'SELECT COUNT("value") FROM "http_client"');
    assert.equal(count?.['count'], 2);
    const health = await sink.ping();
    assert.equal(health.ok, true);
    assert.match(health.detail, /^InfluxDB \S+ at http:\/\/127\.0\.0\.1:\d+$/, 'the version InfluxDB reports');
  });

  it('reads with the same client: a query of a real InfluxDB, and a frozen one fails at the deadline', async () => {
    const reader = new InfluxReadStore({ url: influx.url, timeoutMs: 800 });
    assert.ok((await reader.databases()).includes('http_client'));
    influx.freeze();
    try {
      await assert.rejects(reader.databases(), /did not answer within 800 ms/);
    } finally {
      influx.thaw();
    }
  });

  it('honours Retry-After of a busy InfluxDB and keeps its message', async () => {
    const busy = await peer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '7' });
        res.end(JSON.stringify({ error: 'engine: cache maximum memory size exceeded' }));
      });
    });
    try {
      const result = await new InfluxSink({ url: busy.url }).write('db', LINES);
      assert.deepEqual(result, { ok: false, retry: true, status: 503, message: 'engine: cache maximum memory size exceeded', retryAfterMs: 7000 });
    } finally {
      await busy.close();
    }
  });

  it('calls a dropped connection and a closed port unreachable, and says so once', async () => {
    const rude = await peer((req) => req.socket.destroy());
    const said: Said[] = [];
    try {
      const sink = new InfluxSink({ url: rude.url, logger: recordingLogger(said) });
      const dropped = await sink.write('db', LINES);
      assert.ok(!dropped.ok && dropped.retry && dropped.unreachable === 'ECONNRESET', JSON.stringify(dropped));
      assert.equal((await sink.write('db', LINES)).ok, false);
      assert.equal(said.filter((s) => s.msg.includes('is unreachable (ECONNRESET)')).length, 1, JSON.stringify(said));
    } finally {
      await rude.close();
    }

    const closed = `http://127.0.0.1:${await freePort()}`;
    const sink = new InfluxSink({ url: closed });
    const refused = await sink.write('db', LINES);
    assert.ok(!refused.ok && refused.unreachable === 'ECONNREFUSED', JSON.stringify(refused));
    assert.match((await sink.ping()).detail, new RegExp(`InfluxDB at ${closed} unreachable: ECONNREFUSED`));
    await assert.rejects(sink.createDatabase('db'), new RegExp(`InfluxDB at ${closed} is unreachable \\(ECONNREFUSED\\): is influxd running\\?`));
  });
});
