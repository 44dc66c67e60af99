// Broker replicas for tests of the shared journal: `qmb serve` processes on one PostgreSQL and one influxd, with one key.
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../src/auth/password.js';
import { PgUsersStore } from '../../src/auth/pg-users.js';
import { createPgPool } from '../../src/pg/pool.js';
import { parsePgUrl } from '../../src/pg/url.js';
import { type BrokerProcess, TEST_USERS, startBrokerProcess } from './broker.js';
import { type Reply, churnPayload, httpCall } from './core-support.js';

/** The test users in the PostgreSQL of `journalUrl` (where replicas read them), once per URL. */
const seeded = new Map<string, Promise<void>>();
export function seedUsers(journalUrl: string): Promise<void> {
  let done = seeded.get(journalUrl);
  if (!done) {
    done = (async () => {
      const pool = createPgPool(parsePgUrl(journalUrl));
      try {
        const users = new PgUsersStore(pool);
        for (const u of TEST_USERS) await users.save({ id: u.id, name: u.name, password: await hashPassword(u.password), metrics: u.metrics });
        await users.close();
      } finally {
        await pool.end();
      }
    })();
    seeded.set(journalUrl, done);
  }
  return done;
}

/**
 * A replica named `name`: its journal connections show as "<name> journal" in pg_stat_activity.
 * The test users are put in PostgreSQL first (a URL naming only a standby cannot take them: seed
 * through the primary's URL then, with `usersUrl`).
 */
export async function startReplica(
  name: string,
  journalUrl: string,
  influxUrl: string,
  secret: string,
  env: Record<string, string> = {},
  usersUrl = journalUrl,
): Promise<BrokerProcess> {
  await seedUsers(usersUrl);
  return startBrokerProcess({
    QMB_JOURNAL_URL: `${journalUrl}?application_name=${name}`,
    QMB_INFLUX_URL: influxUrl,
    QMB_SECRET_KEY: secret,
    ...env,
  });
}

/** One key for every replica of a test. */
export const replicaSecret = (): string => randomBytes(32).toString('hex');

/** A one-point tfa_code_churn payload: Lines_of_Change `n` at second `second` of 2020-09-13, series `tag`. */
export function numberedPayload(n: number, second: number, tag = 'seq'): unknown {
  return churnPayload(n, String(1_600_000_000_000_000_000n + BigInt(second) * 1_000_000_000n), tag);
}

export const postTo = (b: BrokerProcess, body: unknown, query = ''): Promise<Reply> =>
  httpCall(b.url, 'POST', `/api/v1/metrics${query}`, { token: b.token(), body });

export const statusOn = (b: BrokerProcess, id: number, query = ''): Promise<Reply> =>
  httpCall(b.url, 'GET', `/api/v1/submissions/${id}${query}`, { token: b.token() });

/** Two replicas with one key; A delivers the database of a first payload before B starts, so that lane is A's. */
export async function startLanePair(journalUrl: string, influxUrl: string, env: Record<string, string> = {}): Promise<{ a: BrokerProcess; b: BrokerProcess; database: string }> {
  const secret = replicaSecret();
  const a = await startReplica('broker-a', journalUrl, influxUrl, secret, env);
  const first = await postTo(a, numberedPayload(0, 0, 'warm-up'), '?wait=30');
  if (first.status !== 201) throw new Error(`the first payload on broker-a: ${first.status} ${first.body}`);
  const b = await startReplica('broker-b', journalUrl, influxUrl, secret, env);
  return { a, b, database: String((first.json as { database: string }).database) };
}
