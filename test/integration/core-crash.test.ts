// The broker as a real process: SIGKILL right after acknowledging a burst loses nothing; SIGTERM
// exits 0 after delivering what it can.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BrokerProcess } from '../helpers/broker.js';
import type { Influx } from '../helpers/influxd.js';
import { withInfluxBroker } from '../helpers/influx-broker.js';
import { waitFor } from '../helpers/ports.js';
import { type Reply, churnPayload, httpCall } from '../helpers/core-support.js';

async function countTag(influx: Influx, tag: string): Promise<number> {
  const rows = await influx.rows('TFA_CodeChurn', `SELECT COUNT("Lines_of_Change") FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = '${tag}'`);
  return rows.length === 0 ? 0 : Number(rows[0]!['count']);
}

interface Answer {
  i: number;
  reply?: Reply;
  error?: string;
}

/** Sends `n` one-point payloads (value i, distinct times) with `concurrency` in flight; network errors are recorded, not thrown. */
async function burst(broker: BrokerProcess, tag: string, n: number, concurrency: number, route = '/api/v1/metrics'): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const ms = 1_600_000_000_000 + i * 1000;
      try {
        answers.push({ i, reply: await httpCall(broker.url, 'POST', route, { token: broker.token(), body: churnPayload(i, String(BigInt(ms) * 1_000_000n), tag) }) });
      } catch (err) {
        answers.push({ i, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}

const statuses = (answers: Answer[]): string => [...new Set(answers.map((a) => a.reply?.status ?? a.error))].join(', ');

describe('broker process: crash and shutdown', { timeout: 150_000 }, () => {
  let influx: Influx;
  let broker: BrokerProcess;

  withInfluxBroker('process', { stop: 'kill' }, (s) => ({ influx, broker } = s));

  it('SIGKILL right after acknowledging a burst: every acknowledged point lands after restart', async () => {
    const n = 300;
    const answers = await burst(broker, 'crash-live', n, 16);
    await broker.kill();
    assert.ok(answers.every((a) => a.reply?.status === 202), `all acknowledged: ${statuses(answers)}`);
    await broker.start();
    await waitFor(async () => (await countTag(influx, 'crash-live')) === n, 60_000, `all ${n} acknowledged points in InfluxDB`);
  });

  it('SIGKILL with InfluxDB down: acknowledged payloads wait in the journal and land after both restart', async () => {
    await influx.pause();
    const n = 200;
    const answers = await burst(broker, 'crash-down', n, 16);
    const legacy = await burst(broker, 'crash-down-legacy', 20, 4, '/');
    await broker.kill();
    assert.ok(answers.every((a) => a.reply?.status === 202), statuses(answers));
    assert.ok(legacy.every((a) => a.reply?.status === 204), statuses(legacy));
    await influx.start();
    await broker.start();
    await waitFor(async () => (await countTag(influx, 'crash-down')) === n && (await countTag(influx, 'crash-down-legacy')) === 20, 60_000, 'all acknowledged points in InfluxDB');
  });

  it('SIGTERM exits 0 and delivers the pending points before exiting', async () => {
    await influx.pause();
    const answers = await burst(broker, 'graceful', 100, 8);
    assert.ok(answers.every((a) => a.reply?.status === 202), statuses(answers));
    await influx.start();
    const code = await broker.stop();
    assert.equal(code, 0, `exit code; output: ${broker.output().slice(-2000)}`);
    assert.equal(await countTag(influx, 'graceful'), 100, 'delivered before exit');
  });

  it('SIGTERM during a burst: the process exits 0 and every acknowledged request lands', async () => {
    await broker.start();
    const inFlight = burst(broker, 'graceful-burst', 400, 8);
    await waitFor(async () => (await countTag(influx, 'graceful-burst')) > 20, 20_000, 'some points delivered');
    const code = await broker.stop();
    assert.equal(code, 0, broker.output().slice(-2000));
    const answers = await inFlight;
    const acked = answers.filter((a) => a.reply?.status === 202).map((a) => a.i);
    const others = answers.filter((a) => a.reply && a.reply.status !== 202);
    assert.ok(others.every((a) => a.reply!.status === 503), `refused during shutdown only with 503: ${statuses(others)}`);
    assert.ok(acked.length > 20);
    // What the flush deadline left pending is delivered on the next start.
    await broker.start();
    await waitFor(async () => {
      const rows = await influx.rows('TFA_CodeChurn', `SELECT "Lines_of_Change" FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'graceful-burst'`);
      const landed = new Set(rows.map((r) => r['Lines_of_Change']));
      return acked.every((i) => landed.has(i));
    }, 30_000, 'every acknowledged point of the burst');
    assert.equal(await broker.stop(), 0);
  });
  it('SIGTERM answers requests waiting for delivery at once (202) instead of holding the shutdown', async () => {
    await influx.pause();
    await broker.start();
    const waiting = httpCall(broker.url, 'POST', '/api/v1/metrics?wait=60', { token: broker.token(), body: churnPayload(1, '1600000000000000000', 'waiting') });
    await waitFor(async () => {
      const r = await httpCall(broker.url, 'GET', '/readyz', {});
      return (r.json.checks as { journal: { pending_points: number } }).journal.pending_points > 0;
    }, 10_000, 'the payload to be journaled');
    const started = Date.now();
    const code = await broker.stop();
    const answer = await waiting;
    assert.equal(code, 0, broker.output().slice(-2000));
    assert.equal(answer.status, 202, answer.body);
    assert.equal(answer.json.status, 'pending');
    // The flush deadline (QMB_SHUTDOWN_TIMEOUT, 10 s) bounds the stop, not the 60 s wait.
    assert.ok(Date.now() - started < 30_000, `stopped after ${Date.now() - started} ms`);
    await influx.start();
    await broker.start();
    await waitFor(async () => (await countTag(influx, 'waiting')) === 1, 30_000, 'the waited-for point after restart');
    assert.equal(await broker.stop(), 0);
  });
});
