// Quorum failover: two brokers on one PostgreSQL journal (a primary and two synchronous standbys,
// fsync on), one influxd. 20,000 one-point payloads at concurrency 32 go to both brokers; at a
// third the primary is SIGKILLed and the standby furthest ahead promoted, at two thirds one broker
// is SIGKILLed. A client retries what got no 2xx (a 503 while there is no primary, a connection
// cut by the dying broker) on the other broker, as CI jobs do. Afterwards every 2xx id reads as
// `delivered` on the surviving broker and InfluxDB holds exactly the accepted points.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { churnBody } from '../../bench/payloads.js';
import type { BrokerProcess } from '../helpers/broker.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { type PostgresCluster, type PostgresMember, postgresAvailable, startPostgresCluster } from '../helpers/postgres.js';
import { waitFor } from '../helpers/ports.js';
import { replicaSecret, startReplica } from '../helpers/replicas.js';

const TOTAL = 20_000;
const CONCURRENCY = 32;
const BASE_MS = Date.UTC(2026, 0, 5);
const available = await postgresAvailable();

let cluster: PostgresCluster | undefined;
let influx: Influx | undefined;
let brokers: BrokerProcess[] = [];

before(async () => {
  if (!available) return;
  cluster = await startPostgresCluster({ standbys: 2, synchronous: 'ANY 1 (s1, s2)', fsync: true });
  influx = await startInflux();
  // The same key: a token from one broker is good on the other.
  const secret = replicaSecret();
  const url = cluster.multiHostUrl();
  brokers = [await startReplica('a', url, influx.url, secret), await startReplica('b', url, influx.url, secret)];
});

after(async () => {
  for (const b of brokers) {
    await b.kill();
    b.cleanup();
  }
  await influx?.stop();
  await cluster?.destroy();
});

/** The standby that received the most WAL: with 'ANY 1', the only one sure to hold every acknowledged commit. */
async function furthestStandby(c: PostgresCluster): Promise<PostgresMember> {
  let best: { member: PostgresMember; lsn: bigint } | undefined;
  for (const s of c.standbys) {
    const [row] = await s.query<{ lsn: string }>("SELECT pg_last_wal_receive_lsn() - '0/0' AS lsn");
    const lsn = BigInt(row?.lsn ?? '0');
    if (!best || lsn > best.lsn) best = { member: s, lsn };
  }
  assert.ok(best);
  return best.member;
}

interface Accepted {
  seq: number;
  id: number;
  broker: number;
}

test('a 2xx survives the primary and a broker being killed mid-load', { skip: !available && 'PostgreSQL is not installed', timeout: 600_000 }, async () => {
  assert.ok(cluster && influx);
  const c = cluster;
  const alive = [true, true];
  const accepted: Accepted[] = [];
  const answers = new Map<number, number>();
  let next = 0;
  let retries = 0;
  const events: Promise<void>[] = [];
  let primaryKilled = false;
  let brokerKilled = false;

  const onProgress = (): void => {
    if (!primaryKilled && accepted.length >= TOTAL / 3) {
      primaryKilled = true;
      events.push(
        (async () => {
          await c.primary.kill();
          const promoted = await furthestStandby(c);
          await c.promote(promoted);
          for (const s of c.standbys) if (s !== promoted) await c.follow(s, promoted);
        })(),
      );
    }
    if (!brokerKilled && accepted.length >= (2 * TOTAL) / 3) {
      brokerKilled = true;
      alive[0] = false;
      events.push(brokers[0]!.kill());
    }
  };

  const post = async (target: number, seq: number): Promise<{ id?: number; status: number; retryAfter?: number }> => {
    const broker = brokers[target]!;
    try {
      const res = await fetch(`${broker.url}/api/v1/metrics`, {
        method: 'POST',
        headers: { authorization: `Bearer ${broker.token()}`, 'content-type': 'application/json' },
        body: churnBody(BASE_MS, seq),
      });
      const body = (await res.json()) as { id?: number };
      return { status: res.status, id: body.id, retryAfter: Number(res.headers.get('retry-after') ?? 0) };
    } catch {
      return { status: 0 };
    }
  };

  const worker = async (): Promise<void> => {
    for (let seq = next++; seq < TOTAL; seq = next++) {
      let target = seq % 2;
      for (let attempt = 0; ; attempt += 1) {
        if (!alive[target]) target = 1 - target;
        const r = await post(target, seq);
        answers.set(r.status, (answers.get(r.status) ?? 0) + 1);
        if (r.status >= 200 && r.status < 300 && r.id !== undefined) {
          accepted.push({ seq, id: r.id, broker: target });
          onProgress();
          break;
        }
        // A 4xx would be a test bug, not an outage: stop at once.
        assert.ok(r.status === 0 || r.status === 503, `payload ${seq}: answer ${r.status} from broker ${target}`);
        assert.ok(attempt < 600, `payload ${seq}: no 2xx after ${attempt} attempts`);
        retries += 1;
        target = 1 - target;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, (r.retryAfter ?? 0) * 1000) || 50));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await Promise.all(events);
  assert.ok(primaryKilled && brokerKilled);
  assert.equal(new Set(accepted.map((a) => a.seq)).size, TOTAL, 'every payload got a 2xx once retried');
  assert.ok((answers.get(503) ?? 0) + (answers.get(0) ?? 0) > 0, 'the failover was felt by the client (503s or cut connections)');
  assert.equal(answers.get(500) ?? 0, 0, 'no 500');

  // Every acknowledged id, whichever broker took it, settles as delivered on the survivor.
  const survivor = brokers[1]!;
  const ids = accepted.map((a) => a.id);
  let cursor = 0;
  const notDelivered: string[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = cursor++; i < ids.length; i = cursor++) {
        const res = await fetch(`${survivor.url}/api/v1/submissions/${ids[i]}?wait=60`, { headers: { authorization: `Bearer ${survivor.token()}` } });
        const body = (await res.json()) as { status?: string };
        if (res.status !== 200 || body.status !== 'delivered') notDelivered.push(`${ids[i]}: ${res.status} ${body.status}`);
      }
    }),
  );
  assert.deepEqual(notDelivered.slice(0, 10), [], `${notDelivered.length} acknowledged submissions not delivered`);

  await waitFor(async () => {
    const rows = await influx!.rows('TFA_CodeChurn', 'SELECT count("Lines_of_Change") AS n FROM "TFA_CodeChurn_Tracking"');
    return Number(rows[0]?.['n']) === TOTAL;
  }, 60_000, `InfluxDB to hold the ${TOTAL} accepted points`).catch(async (err: unknown) => {
    const rows = await influx!.rows('TFA_CodeChurn', 'SELECT count("Lines_of_Change") AS n FROM "TFA_CodeChurn_Tracking"');
    throw new Error(`InfluxDB holds ${String(rows[0]?.['n'])} of ${TOTAL} accepted points (${String(err)})`);
  });
  console.log(`# ${TOTAL} accepted (${accepted.filter((a) => a.broker === 0).length} by the killed broker), ${retries} retries, answers ${JSON.stringify(Object.fromEntries(answers))}`);
});
