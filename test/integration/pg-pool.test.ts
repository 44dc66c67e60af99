// The PostgreSQL connection pool against real servers: credentials from the URL, the writable host of a list,
// a stopped server as JOURNAL_UNAVAILABLE (never a hang), and the way back once a server takes writes again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JournalUnavailableError } from '../../src/errors.js';
import { createPgPool } from '../../src/pg/pool.js';
import { parsePgUrl } from '../../src/pg/url.js';
import { PG_PASSWORD, type Postgres, type PostgresCluster, startPostgres, startPostgresCluster } from '../helpers/postgres.js';

describe('PostgreSQL pool on one server', () => {
  let server: Postgres;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.destroy();
  });

  it('logs in with the user and password of the URL and runs statements and transactions', async () => {
    const target = parsePgUrl(server.url);
    assert.equal(target.password, PG_PASSWORD);
    const pool = createPgPool(target);
    try {
      const res = await pool.query<{ who: string; db: string }>('SELECT current_user AS who, current_database() AS db');
      assert.deepEqual(res.rows, [{ who: 'qmb', db: 'qmb' }]);
      await pool.query('CREATE TABLE t (n int PRIMARY KEY)');
      await assert.rejects(
        pool.transaction(async (c) => {
          await c.query('INSERT INTO t VALUES (1)');
          throw new Error('abandoned');
        }),
        /abandoned/,
      );
      await pool.transaction(async (c) => c.query('INSERT INTO t VALUES (2)'));
      assert.deepEqual((await pool.query('SELECT n FROM t')).rows, [{ n: 2 }]);
      // A constraint violation is the statement's fault, not the journal's: no 503.
      await assert.rejects(pool.query('INSERT INTO t VALUES (2)'), (err: unknown) => !(err instanceof JournalUnavailableError) && (err as { code?: string }).code === '23505');
    } finally {
      await pool.end();
    }
  });

  it('refuses a wrong password with the server saying so, not as unavailable', async () => {
    const pool = createPgPool(parsePgUrl(server.url.replace(encodeURIComponent(PG_PASSWORD), 'wrong')));
    try {
      await assert.rejects(pool.query('SELECT 1'), (err: unknown) => !(err instanceof JournalUnavailableError) && /password authentication failed/.test((err as Error).message));
    } finally {
      await pool.end();
    }
  });

  it('answers JOURNAL_UNAVAILABLE naming the host without the password while the server is stopped, and recovers once it is back', async () => {
    const pool = createPgPool(parsePgUrl(server.url));
    try {
      await pool.query('SELECT 1');
      await server.stop();
      for (let i = 0; i < 3; i += 1) {
        await assert.rejects(pool.query('SELECT 1'), (err: unknown) => {
          assert.ok(err instanceof JournalUnavailableError, String(err));
          assert.equal(err.status, 503);
          assert.equal(err.headers['Retry-After'], '5');
          assert.ok(err.message.includes(`127.0.0.1:${server.port}`), err.message);
          assert.ok(!err.message.includes(PG_PASSWORD) && !err.message.includes(encodeURIComponent(PG_PASSWORD)), err.message);
          return true;
        });
      }
      await server.start();
      assert.deepEqual((await pool.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('answers JOURNAL_UNAVAILABLE after the server is killed mid-session', async () => {
    const pool = createPgPool(parsePgUrl(server.url));
    try {
      await pool.query('SELECT 1');
      await server.kill();
      await assert.rejects(pool.query('SELECT 1'), JournalUnavailableError);
      await server.start();
      assert.deepEqual((await pool.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
    } finally {
      await pool.end();
    }
  });
});

describe('PostgreSQL pool on a host list', () => {
  let cluster: PostgresCluster;
  before(async () => {
    cluster = await startPostgresCluster({ standbys: 1 });
  });
  after(async () => {
    await cluster?.destroy();
  });

  it('writes to the primary when the standby comes first in the list', async () => {
    const [standby] = cluster.standbys;
    assert.ok(standby);
    const url = cluster.multiHostUrl([standby, cluster.primary]);
    const pool = createPgPool(parsePgUrl(url));
    try {
      await pool.query('CREATE TABLE IF NOT EXISTS picked (port int)');
      await pool.query('INSERT INTO picked SELECT inet_server_port()');
      assert.equal(pool.currentHost?.port, cluster.primary.port);
      const rows = await cluster.primary.query<{ port: number }>('SELECT port FROM picked');
      assert.deepEqual(rows, [{ port: cluster.primary.port }]);
      await cluster.caughtUp();
      // The standby is read-only: a pool on it alone reports that as unavailable, not a 500.
      const standbyOnly = createPgPool(parsePgUrl(standby.url));
      try {
        await assert.rejects(standbyOnly.query('INSERT INTO picked VALUES (0)'), (err: unknown) => err instanceof JournalUnavailableError && /read-only/.test(err.message));
      } finally {
        await standbyOnly.end();
      }
    } finally {
      await pool.end();
    }
  });

  it('with no primary left answers JOURNAL_UNAVAILABLE listing each host, then follows the promoted standby', async () => {
    const [standby] = cluster.standbys;
    assert.ok(standby);
    const pool = createPgPool(parsePgUrl(cluster.multiHostUrl()));
    try {
      assert.equal((await pool.query<{ port: number }>('SELECT inet_server_port() AS port')).rows[0]?.port, cluster.primary.port);
      await cluster.primary.kill();
      await assert.rejects(pool.query('SELECT 1'), JournalUnavailableError);
      await assert.rejects(pool.query('SELECT 1'), (err: unknown) => {
        assert.ok(err instanceof JournalUnavailableError, String(err));
        assert.match(err.message, new RegExp(`no server accepts writes \\(127\\.0\\.0\\.1:${cluster.primary.port}: .*ECONNREFUSED.*; 127\\.0\\.0\\.1:${standby.port} is a standby\\)`));
        return true;
      });
      await cluster.promote(standby);
      await pool.query('INSERT INTO picked SELECT inet_server_port()');
      assert.equal(pool.currentHost?.port, standby.port);
      const rows = await standby.query<{ port: number }>('SELECT port FROM picked ORDER BY port');
      assert.deepEqual(rows.map((r) => r.port).sort(), [cluster.primary.port, standby.port].sort());
    } finally {
      await pool.end();
    }
  });
});
