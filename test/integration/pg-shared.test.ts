// Two `qmb serve` replicas on one PostgreSQL (QMB_JOURNAL_URL): users added with `qmb users add` log in on both,
// a token from one works on the other (one generated key, no QMB_SECRET_KEY), checks recorded on one are read on the other.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sharedSecret } from '../../src/auth/secret.js';
import { createPgPool } from '../../src/pg/pool.js';
import { parsePgUrl } from '../../src/pg/url.js';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';
import { day, imageSize } from '../helpers/check-data.js';
import { waitFor } from '../helpers/ports.js';
import { PG_PASSWORD, type Postgres, pgUrl, startPostgres } from '../helpers/postgres.js';
import { runQmb } from '../helpers/producer-run.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(b: BrokerProcess, method: 'GET' | 'POST', route: string, options: { body?: unknown; token?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${b.url}${route}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function login(b: BrokerProcess, username: string, password: string): Promise<Answer> {
  return call(b, 'POST', '/auth', { body: { username, password } });
}

describe('broker replicas sharing users, the signing key and checks in PostgreSQL', () => {
  let pg: Postgres;
  let a: BrokerProcess;
  let b: BrokerProcess;
  let env: Record<string, string>;

  before(async () => {
    pg = await startPostgres();
    // No QMB_SECRET_KEY: each replica offers a generated key; both must end with the same one.
    // The login limit would answer 429 to the polling below.
    env = { QMB_JOURNAL_URL: pg.url, QMB_SECRET_KEY: '', QMB_AUTH_RATE_LIMIT: '1000000' };
    [a, b] = await Promise.all([startBrokerProcess(env), startBrokerProcess(env)]);
  });

  after(async () => {
    for (const broker of [a, b]) {
      await broker?.stop();
      broker?.cleanup();
    }
    await pg?.destroy();
  });

  it('creates the first user once for both replicas and never prints the journal password', async () => {
    // The banner follows /healthz: wait for its last line.
    for (const x of [a, b]) await waitFor(() => x.output().includes('Dashboard: '), 15_000, 'the start banner');
    const created = [a, b].filter((x) => x.output().includes('Created the first user "admin"'));
    assert.equal(created.length, 1, `${a.output()}\n---\n${b.output()}`);
    assert.match(created[0]?.output() ?? '', /stored hashed in PostgreSQL at postgres:\/\/qmb@127\.0\.0\.1:\d+\/qmb;/);
    for (const x of [a, b]) {
      assert.ok(!x.output().includes(PG_PASSWORD) && !x.output().includes(encodeURIComponent(PG_PASSWORD)), x.output());
    }
  });

  it('lets a user added by `qmb users add` log in on both, with a token from one valid on the other', async () => {
    const added = await runQmb(['users', 'add', 'alice', '--metrics', 'tfa_*', '--password-stdin'], { env, input: 'alice-password-1\n' });
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /^added user alice \(id 1, metrics tfa_\*\)$/m);
    const listed = await runQmb(['users', 'list'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(listed.stdout.split('\n').filter(Boolean), ['0\tadmin\t*', '1\talice\ttfa_*']);

    // Each replica reads the users again within seconds.
    const tokens: Record<string, string> = {};
    for (const [name, x] of [['a', a], ['b', b]] as const) {
      await waitFor(async () => (await login(x, 'alice', 'alice-password-1')).status === 200, 15_000, `alice to log in on ${name}`);
      const r = await login(x, 'alice', 'alice-password-1');
      tokens[name] = String(r.body['access_token']);
    }
    assert.equal((await login(b, 'alice', 'wrong-password')).status, 401);
    // A token minted by A is accepted by B and the other way round: one key for both.
    for (const [x, token] of [
      [b, tokens['a']],
      [a, tokens['b']],
    ] as const) {
      const r = await call(x, 'GET', '/api/v1/checks', { token });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    // So is one from `qmb token` with the same QMB_JOURNAL_URL.
    const cli = await runQmb(['token', 'alice'], { env });
    assert.equal(cli.code, 0, cli.stderr);
    for (const x of [a, b]) assert.equal((await call(x, 'GET', '/api/v1/checks', { token: cli.stdout.trim() })).status, 200);

    // Removed with the CLI: refused on both once they read the users again.
    const removed = await runQmb(['users', 'remove', 'alice'], { env });
    assert.equal(removed.code, 0, removed.stderr);
    for (const x of [a, b]) {
      await waitFor(async () => (await login(x, 'alice', 'alice-password-1')).status === 401, 15_000, 'alice to be refused');
      const r = await call(x, 'GET', '/api/v1/checks', { token: tokens['a'] });
      assert.equal(r.status, 401);
      assert.equal(r.body['code'], 'TOKEN_INVALID');
    }
  });

  it('reads on B a check recorded on A, by id and in the list', async () => {
    const added = await runQmb(['users', 'add', 'gate', '--password-stdin'], { env, input: 'gate-password-1' });
    assert.equal(added.code, 0, added.stderr);
    // Both replicas know the user (B checks the token's user too).
    for (const x of [a, b]) await waitFor(async () => (await login(x, 'gate', 'gate-password-1')).status === 200, 15_000, 'gate to log in');
    const token = String((await login(a, 'gate', 'gate-password-1')).body['access_token']);
    const head = imageSize('h1', [{ measurement: 'fvp-default', binMode: 'Debug', fields: { BL31_T: 100, BL31_D: 40 } }], day(1));
    const recorded = await call(a, 'POST', '/api/v1/checks', { token, body: { head: { payloads: [head] }, baseline: { revisions: [] }, record: true } });
    assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
    const id = recorded.body['id'];
    assert.equal(typeof id, 'number');

    const one = await call(b, 'GET', `/api/v1/checks/${String(id)}`, { token });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(one.body, recorded.body);
    const list = await call(b, 'GET', '/api/v1/checks?revision=h1', { token });
    assert.equal(list.status, 200);
    const checks = list.body['checks'] as { id: number; verdict: string }[];
    assert.deepEqual(
      checks.map((c) => c.id),
      [id],
    );
    assert.equal((await call(b, 'GET', '/api/v1/checks/999999', { token })).status, 404);
  });

  it('answers 503 JOURNAL_UNAVAILABLE with Retry-After while PostgreSQL is down, keeps logins from what it read, and recovers', async () => {
    const added = await runQmb(['users', 'add', 'ops', '--password-stdin'], { env, input: 'ops-password-1' });
    assert.equal(added.code, 0, added.stderr);
    await waitFor(async () => (await login(b, 'ops', 'ops-password-1')).status === 200, 15_000, 'ops to log in on B');
    await pg.stop();
    try {
      const token = String((await login(b, 'ops', 'ops-password-1')).body['access_token']);
      const r = await call(b, 'GET', '/api/v1/checks', { token });
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.equal(r.body['code'], 'JOURNAL_UNAVAILABLE');
      assert.equal(r.headers.get('retry-after'), '5');
      assert.match(String(r.body['data']), new RegExp(`^the journal \\(PostgreSQL at 127\\.0\\.0\\.1:${pg.port}\\) is unavailable: `));
      assert.ok(!JSON.stringify(r.body).includes(PG_PASSWORD));
      const cli = await runQmb(['users', 'list'], { env });
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, /the journal \(PostgreSQL at 127\.0\.0\.1:\d+\) is unavailable: .*ECONNREFUSED/);
    } finally {
      await pg.start();
    }
    const token = String((await login(b, 'ops', 'ops-password-1')).body['access_token']);
    assert.equal((await call(b, 'GET', '/api/v1/checks', { token })).status, 200);
  });

  it('generates one signing key when many replicas start at once on an empty database', async () => {
    await pg.query('CREATE DATABASE race');
    const target = parsePgUrl(pgUrl(pg.port, undefined, undefined, 'race'));
    const pools = Array.from({ length: 8 }, () => createPgPool(target, { max: 1 }));
    try {
      const keys = await Promise.all(pools.map((p) => sharedSecret(p, false)));
      assert.equal(new Set(keys).size, 1, keys.join('\n'));
      assert.ok((keys[0] ?? '').length >= 32);
      const rows = (await pools[0]?.query('SELECT count(*)::int AS n FROM qmb_settings'))?.rows;
      assert.deepEqual(rows, [{ n: 1 }]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
