// Brokers for the read tests: built in-process over either store, with a frozen clock so that points
// without a time get the same acceptance stamp on both, seeded through the ingest route.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parse, stringify } from 'lossless-json';
import { hashPassword } from '../../src/auth/password.js';
import { UsersStore } from '../../src/auth/users.js';
import { type BrokerDeps, closeBroker, createBroker } from '../../src/broker.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';

export const FROZEN_MS = Date.parse('2021-06-01T12:00:00Z');

export interface ReadBroker {
  app: FastifyInstance;
  deps: BrokerDeps;
  token: string;
  get(url: string, token?: string | null): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** A broker on the embedded store (no influxUrl) or on InfluxDB at influxUrl. */
export async function readBroker(options: { influxUrl?: string; publicRead?: boolean } = {}): Promise<ReadBroker> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'qmb-read-'));
  const users = new UsersStore(path.join(dataDir, 'users.json'));
  await users.save({ id: 1, name: 'ci', password: await hashPassword('ci-password-1'), metrics: ['*'] });
  const env: Record<string, string> = {
    QMB_DATA_DIR: dataDir,
    QMB_SECRET_KEY: 'read-tests-secret-key-0123456789abcdef',
    QMB_LOG_LEVEL: 'warn',
    QMB_PUBLIC_READ: options.publicRead ? '1' : '0',
  };
  if (options.influxUrl) env['QMB_INFLUX_URL'] = options.influxUrl;
  const config = loadConfig({}, env);
  const deps = createBroker(config, { clock: { now: () => FROZEN_MS } });
  const app = await buildApp(deps);
  deps.worker.start();
  const token = await deps.tokens.issue(1);
  return {
    app,
    deps,
    token,
    async get(url, t = token) {
      const res = await app.inject({ method: 'GET', url, headers: t ? { authorization: `JWT ${t}` } : {} });
      return { status: res.statusCode, body: res.json() };
    },
    async close() {
      await app.close();
      await closeBroker(deps, deps.clock.now() + 2000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every valid payload of the fixture tables in a stable order, as text that keeps number literals (5 vs 5.0). */
export function fixturePayloads(): { name: string; text: string }[] {
  const dir = path.resolve('test/fixtures/payloads');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) =>
      (parse(readFileSync(path.join(dir, f), 'utf8')) as { valid: { name: string; payload: unknown }[] }).valid.map((v) => ({
        name: `${f}: ${v.name}`,
        text: stringify(v.payload) as string,
      })),
    );
}

/** Posts a payload (raw text keeps number literals) through POST /api/v1/metrics?wait=5; returns the status (201 delivered, 409 refused), throws on others. */
export async function ingest(broker: ReadBroker, text: string): Promise<number> {
  const res = await broker.app.inject({
    method: 'POST',
    url: '/api/v1/metrics?wait=5',
    headers: { authorization: `JWT ${broker.token}`, 'content-type': 'application/json' },
    payload: text,
  });
  if (res.statusCode !== 201 && res.statusCode !== 409) throw new Error(`ingest answered ${res.statusCode}: ${res.body}`);
  return res.statusCode;
}
