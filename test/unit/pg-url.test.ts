// Unit tests: QMB_JOURNAL_URL parsing (hosts, credentials, refusals that name the variable and never the password)
// and which PostgreSQL failures become JOURNAL_UNAVAILABLE.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ConfigError, JournalUnavailableError, errorBody } from '../../src/errors.js';
import { isUnavailable, journalError } from '../../src/pg/classify.js';
import { parsePgUrl } from '../../src/pg/url.js';

function refused(raw: string, pattern: RegExp): void {
  assert.throws(
    () => loadConfig({ QMB_JOURNAL_URL: raw }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.ok(err.message.startsWith('QMB_JOURNAL_URL: '), err.message);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('s3cret'), `"${err.message}" shows the password`);
      return true;
    },
  );
}

describe('QMB_JOURNAL_URL', () => {
  it('is unset by default: the SQLite journal', () => {
    assert.equal(loadConfig({}).journalUrl, undefined);
  });

  it('reads user, password, host, port and database, with escapes decoded', () => {
    const t = loadConfig({ QMB_JOURNAL_URL: 'postgres://qmb:p%40ss%2Fw%3Ard@db.example:6432/metrics' }).journalUrl;
    assert.ok(t);
    assert.deepEqual(t.hosts, [{ host: 'db.example', port: 6432 }]);
    assert.equal(t.user, 'qmb');
    assert.equal(t.password, 'p@ss/w:rd');
    assert.equal(t.database, 'metrics');
    assert.equal(t.sslMode, 'disable');
  });

  it('takes a host list in order, default port 5432, IPv6 in brackets, postgresql:// too', () => {
    const t = parsePgUrl('postgresql://u:pw@h1,h2:5433,[::1]:5434/db');
    assert.deepEqual(t.hosts, [
      { host: 'h1', port: 5432 },
      { host: 'h2', port: 5433 },
      { host: '::1', port: 5434 },
    ]);
    assert.equal(t.display, 'postgres://u@h1:5432,h2:5433,[::1]:5434/db');
  });

  it('keeps an unescaped @ or / of the password', () => {
    const t = parsePgUrl('postgres://u:a@b/c@h:5432/db');
    assert.equal(t.password, 'a@b/c');
    assert.deepEqual(t.hosts, [{ host: 'h', port: 5432 }]);
    assert.equal(t.database, 'db');
  });

  it('never shows the password: not in display, String(), JSON or inspect', () => {
    const t = parsePgUrl('postgres://qmb:s3cret@h1:5432,h2:5432/db?sslmode=require');
    assert.equal(t.password, 's3cret');
    for (const text of [t.display, String(t), JSON.stringify(t), inspect(t, { depth: 5 }), JSON.stringify(loadConfig({ QMB_JOURNAL_URL: 'postgres://qmb:s3cret@h/db' }))]) {
      assert.ok(!text.includes('s3cret'), text);
    }
    assert.equal(t.display, 'postgres://qmb@h1:5432,h2:5432/db?sslmode=require');
    assert.equal(t.sslMode, 'require');
  });

  it('refuses what it would have to guess, naming the variable and what is wrong', () => {
    refused('mysql://u:s3cret@h/db', /must start with postgres:\/\//);
    refused('h:5432/db', /must start with postgres:\/\//);
    refused('postgres://h:5432/db', /names no user/);
    refused('postgres://:s3cret@h:5432/db', /names no user/);
    refused('postgres://u:s3cret@/db', /names no host/);
    refused('postgres://u:s3cret@h:5432', /names no database/);
    refused('postgres://u:s3cret@h:5432/', /names no database/);
    refused('postgres://u:s3cret@h:99999/db', /port 99999 of h is out of range/);
    refused('postgres://u:s3cret@h:x/db', /"h:x" is not a host or host:port/);
    refused('postgres://u:s3cret@h1,,h2/db', /is not a host|host name is empty/);
    refused('postgres://u:s3cret@h/db?sslmode=allow', /sslmode "allow" is not one of disable, require, verify-full/);
    refused('postgres://u:s3cret@h/db?target_session_attrs=any', /unknown parameter "target_session_attrs"/);
    refused('postgres://u:s3cr%zzet@h/db', /the password has a bad %-escape/);
  });
});

describe('PostgreSQL errors as the broker reports them', () => {
  const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

  it('takes refused, reset and timed-out connections, shutdowns, recovery and read-only as JOURNAL_UNAVAILABLE', () => {
    const unavailable = [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('connect ETIMEDOUT 10.0.0.1:5432', 'ETIMEDOUT'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('terminating connection because of crash of another server process', '57P02'),
      withCode('the database system is in recovery mode', '57P03'),
      withCode('connection failure', '08006'),
      withCode('could not connect', '08001'),
      withCode('cannot execute INSERT in a read-only transaction', '25006'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout expired'),
      new Error('Query read timeout'),
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED'), withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')], ''),
    ];
    for (const err of unavailable) {
      assert.ok(isUnavailable(err), err.message);
      const reported = journalError(err, 'h1:5432,h2:5432');
      assert.ok(reported instanceof JournalUnavailableError, err.message);
      assert.equal(reported.status, 503);
      assert.equal(reported.code, 'JOURNAL_UNAVAILABLE');
      assert.equal(reported.headers['Retry-After'], '5');
      assert.match(reported.message, /^the journal \(PostgreSQL at h1:5432,h2:5432\) is unavailable: .+; retry in 5 s$/);
      assert.equal(errorBody(reported)['code'], 'JOURNAL_UNAVAILABLE');
    }
    assert.match(String((journalError(withCode('read-only', '25006'), 'h:1') as Error).message), /read-only \(25006\)/);
  });

  it('leaves bugs, bad SQL, constraint and credential errors as they are (a 500, not a retry)', () => {
    const others = [
      withCode('duplicate key value violates unique constraint "users_pkey"', '23505'),
      withCode('syntax error at or near "SELEC"', '42601'),
      withCode('password authentication failed for user "qmb"', '28P01'),
      withCode('relation "x" does not exist', '42P01'),
      new TypeError('x is not a function'),
      new Error('Cannot use a pool after calling end on the pool'),
    ];
    for (const err of others) {
      assert.equal(isUnavailable(err), false, err.message);
      assert.equal(journalError(err, 'h:5432'), err);
    }
  });
});
