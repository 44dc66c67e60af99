// Broker replicas for tests of the shared journal: `qmb serve` processes on one PostgreSQL and one influxd, with one key.
import { randomBytes } from 'node:crypto';
import { type BrokerProcess, startBrokerProcess } from './broker.js';
import { type Reply, churnPayload, httpCall } from './core-support.js';

/** A replica named `name`: its journal connections show as "<name> journal" in pg_stat_activity. */
export function startReplica(name: string, journalUrl: string, influxUrl: string, secret: string, env: Record<string, string> = {}): Promise<BrokerProcess> {
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
