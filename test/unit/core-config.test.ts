// Unit tests: configuration from the environment; every bad setting is one error naming its variable.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, parseDuration } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

function refuses(env: Record<string, string>, variable: string): void {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.ok(err.message.startsWith(`${variable}:`), `"${err.message}" names ${variable}`);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 5000);
    assert.equal(c.dataDir, path.resolve('./data'));
    assert.equal(c.usersFile, path.join(path.resolve('./data'), 'users.json'));
    assert.equal(c.influxUrl, undefined);
    assert.equal(c.tokenTtl, 365 * 86400);
    assert.equal(c.maxBodyBytes, 16 * 1024 * 1024);
    assert.equal(c.minFreeBytes, 64 * 1024 * 1024);
    assert.equal(c.deliveryFailingAfter, 30);
    assert.ok(Object.isFrozen(c));
  });

  it('reads the variables of the contract', () => {
    const c = loadConfig({
      QMB_HOST: '0.0.0.0',
      QMB_PORT: '8080',
      QMB_INFLUX_URL: 'http://127.0.0.1:8086/',
      QMB_TOKEN_TTL: '12h',
      QMB_MAX_BODY_BYTES: '2MiB',
      QMB_JOURNAL_MAX_POINTS: '100',
      QMB_MIN_FREE_BYTES: '1GiB',
      QMB_DELIVERY_FAILING_AFTER: '2m',
    });
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.port, 8080);
    assert.equal(c.influxUrl, 'http://127.0.0.1:8086');
    assert.equal(c.tokenTtl, 12 * 3600);
    assert.equal(c.maxBodyBytes, 2 * 1024 * 1024);
    assert.equal(c.journalMaxPoints, 100);
    assert.equal(c.minFreeBytes, 1024 ** 3);
    assert.equal(c.deliveryFailingAfter, 120);
    // 0 turns the free-space check off.
    assert.equal(loadConfig({ QMB_MIN_FREE_BYTES: '0' }).minFreeBytes, 0);
  });

  it('names the variable of each bad setting', () => {
    refuses({ QMB_PORT: 'eighty' }, 'QMB_PORT');
    refuses({ QMB_PORT: '70000' }, 'QMB_PORT');
    refuses({ QMB_INFLUX_URL: 'not a url' }, 'QMB_INFLUX_URL');
    refuses({ QMB_INFLUX_URL: 'ftp://host/' }, 'QMB_INFLUX_URL');
    refuses({ QMB_TOKEN_TTL: 'forever' }, 'QMB_TOKEN_TTL');
    refuses({ QMB_TOKEN_TTL: '0' }, 'QMB_TOKEN_TTL');
    refuses({ QMB_MAX_BODY_BYTES: 'big' }, 'QMB_MAX_BODY_BYTES');
    refuses({ QMB_MAX_BODY_BYTES: '10' }, 'QMB_MAX_BODY_BYTES');
    refuses({ QMB_JOURNAL_MAX_POINTS: '0' }, 'QMB_JOURNAL_MAX_POINTS');
    refuses({ QMB_MIN_FREE_BYTES: 'plenty' }, 'QMB_MIN_FREE_BYTES');
    refuses({ QMB_DELIVERY_FAILING_AFTER: '0' }, 'QMB_DELIVERY_FAILING_AFTER');
    refuses({ QMB_AUTH_RATE_LIMIT: '-1' }, 'QMB_AUTH_RATE_LIMIT');
    refuses({ QMB_ALLOW_WEAK_SECRET: 'maybe' }, 'QMB_ALLOW_WEAK_SECRET');
    refuses({ QMB_LOG_LEVEL: 'loud' }, 'QMB_LOG_LEVEL');
    refuses({ QMB_PROT: '5000' }, 'QMB_PROT');
    refuses({ QMB_SECRET_KEY: 'x'.repeat(40), QMB_SECRET_KEY_FILE: '/nonexistent' }, 'QMB_SECRET_KEY');
  });

  it('leaves the variables of the client verbs alone (a CI runner may set them next to a broker)', () => {
    const c = loadConfig({ QMB_URL: 'http://broker:5000', QMB_TOKEN: 't', QMB_PASSWORD: 'p', QMB_PUBLIC_URL: 'https://qmb.example.org' });
    assert.equal(c.port, 5000);
  });

  it('reads a config file under the environment, and names bad keys in it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qmb-config-'));
    try {
      const file = path.join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ QMB_PORT: 7000, QMB_HOST: '10.0.0.1' }));
      const c = loadConfig({ QMB_CONFIG_FILE: file, QMB_PORT: '7001' });
      assert.equal(c.port, 7001, 'the environment wins');
      assert.equal(c.host, '10.0.0.1');
      writeFileSync(file, JSON.stringify({ QMB_NOPE: 1 }));
      refuses({ QMB_CONFIG_FILE: file }, 'QMB_CONFIG_FILE');
      refuses({ QMB_CONFIG_FILE: path.join(dir, 'missing.json') }, 'QMB_CONFIG_FILE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parseDuration reads the units', () => {
    assert.equal(parseDuration('90', 'X'), 90);
    assert.equal(parseDuration('15m', 'X'), 900);
    assert.equal(parseDuration('365d', 'X'), 365 * 86400);
    assert.equal(parseDuration('2w', 'X'), 14 * 86400);
  });
});
