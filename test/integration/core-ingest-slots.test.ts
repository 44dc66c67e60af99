// QMB_INGEST_CONCURRENCY: at most that many ingest requests are read and parsed at once; the others wait in order and all are journaled and land.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import type { BrokerProcess } from '../helpers/broker.js';
import type { Influx } from '../helpers/influxd.js';
import { withInfluxBroker } from '../helpers/influx-broker.js';
import { waitFor } from '../helpers/ports.js';
import { churnPayload } from '../helpers/core-support.js';

/** A POST whose body is sent in two parts: headers and the first part now, the rest on `finish()`. */
function slowUpload(broker: BrokerProcess, path: string, body: string): { finish(): void; abort(): void; answer: Promise<{ status: number; body: string }> } {
  const req = http.request(`${broker.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${broker.token()}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  return { finish: () => req.end(body.slice(half)), abort: () => req.destroy(), answer };
}

async function gauges(broker: BrokerProcess): Promise<{ busy: number; waiting: number }> {
  const text = await (await fetch(`${broker.url}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { busy: value('qmb_ingest_slots_busy'), waiting: value('qmb_ingest_slots_waiting') };
}

describe('ingest slots', { timeout: 60_000 }, () => {
  let influx: Influx;
  let broker: BrokerProcess;
  withInfluxBroker('process', { env: { QMB_INGEST_CONCURRENCY: '2' } }, (s) => ({ influx, broker } = s));

  it('reads two bodies at a time, keeps the others waiting unread, frees a slot when a sender goes away, and journals and delivers every payload', async () => {
    const uploads = Array.from({ length: 6 }, (_, i) =>
      slowUpload(broker, i % 2 === 0 ? '/api/v1/metrics' : '/', JSON.stringify(churnPayload(100 + i, `2021-03-0${i + 1}T00:00:00Z`, `slots-${i}`))),
    );
    await waitFor(async () => {
      const g = await gauges(broker);
      return g.busy === 2 && g.waiting === 4;
    }, 10_000, 'two requests holding slots and four waiting');

    // A sender holding a slot disconnects: its slot passes to the next one waiting.
    uploads[0]!.abort();
    await uploads[0]!.answer.catch(() => undefined);
    await waitFor(async () => {
      const g = await gauges(broker);
      return g.busy === 2 && g.waiting === 3;
    }, 10_000, 'the aborted request freed its slot');

    for (const u of uploads.slice(1)) u.finish();
    const answers = await Promise.all(uploads.slice(1).map((u) => u.answer));
    for (const [i, a] of answers.entries()) assert.equal(a.status, (i + 1) % 2 === 0 ? 202 : 204, a.body);
    assert.deepEqual(await gauges(broker), { busy: 0, waiting: 0 });

    await waitFor(async () => {
      const rows = await influx.rows('TFA_CodeChurn', `SELECT COUNT("Lines_of_Change") FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" =~ /^slots-/`).catch(() => []);
      return Number(rows[0]?.['count'] ?? 0) === 5;
    }, 20_000, 'the five finished payloads in InfluxDB');
  });
});
