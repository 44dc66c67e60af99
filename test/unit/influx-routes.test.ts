// Unit tests: QMB_INFLUX_ROUTES and QMB_INFLUX_CONSISTENCY as an operator writes them, and which InfluxDB each database gets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { InfluxTargets } from '../../src/influx/routes.js';

const A = 'http://influx-a:8086';

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

describe('QMB_INFLUX_ROUTES', () => {
  it('reads DATABASE=URL entries separated by commas, spaces or new lines, in order', () => {
    const c = loadConfig({ QMB_INFLUX_URL: A, QMB_INFLUX_ROUTES: 'TFA_ImageSize=http://influx-b:8086/, TFM_*=https://influx-c:8086\n{TFA,TFM}_Defects=http://influx-d:8086' });
    assert.deepEqual(c.influxRoutes, [
      { pattern: 'TFA_ImageSize', url: 'http://influx-b:8086' },
      { pattern: 'TFM_*', url: 'https://influx-c:8086' },
      { pattern: '{TFA,TFM}_Defects', url: 'http://influx-d:8086' },
    ]);
    assert.deepEqual(loadConfig({ QMB_INFLUX_URL: A }).influxRoutes, []);
  });

  it('refuses a bad entry with one line naming the variable and the entry', () => {
    const cases: [string, RegExp][] = [
      ['TFA_ImageSize', /entry "TFA_ImageSize" is not DATABASE=URL/],
      ['TFA_ImageSize=influx-b:8086', /entry "TFA_ImageSize=influx-b:8086": must be an http or https URL/],
      ['TFA_ImageSize=http://', /entry "TFA_ImageSize=http:\/\/": "http:\/\/" is not a URL/],
      ['=http://influx-b:8086', /entry "=http:\/\/influx-b:8086" names no database/],
      ['TFM_*=http://b:8086,TFM_*=http://c:8086', /entry "TFM_\*=http:\/\/c:8086": TFM_\* is routed twice/],
      [' , ', /no DATABASE=URL entry/],
    ];
    for (const [routes, expected] of cases) {
      const message = refusal({ QMB_INFLUX_URL: A, QMB_INFLUX_ROUTES: routes });
      assert.ok(message.startsWith('QMB_INFLUX_ROUTES: '), message);
      assert.match(message, expected);
      assert.ok(!message.includes('\n'), 'one line');
    }
  });

  it('needs QMB_INFLUX_URL for the databases no route names', () => {
    assert.match(refusal({ QMB_INFLUX_ROUTES: 'TFM_*=http://influx-b:8086' }), /^QMB_INFLUX_ROUTES: needs QMB_INFLUX_URL/);
  });

  it('sends each database to the first route that matches, the rest to the default, names case-sensitive', () => {
    const t = new InfluxTargets(`${A}/`, loadConfig({ QMB_INFLUX_URL: A, QMB_INFLUX_ROUTES: 'TFM_ImageSize=http://b:1,TFM_*=http://c:1,*_Defects=http://d:1' }).influxRoutes);
    assert.equal(t.urlFor('TFM_ImageSize'), 'http://b:1');
    assert.equal(t.urlFor('TFM_Defects'), 'http://c:1');
    assert.equal(t.urlFor('TFA_Defects'), 'http://d:1');
    assert.equal(t.urlFor('TFA_ImageSize'), A);
    assert.equal(t.urlFor('tfm_complexity'), A);
    assert.deepEqual(t.urls(), [A, 'http://b:1', 'http://c:1', 'http://d:1']);
  });

  it('tells which patterns match no database', () => {
    const t = new InfluxTargets(A, [
      { pattern: 'TFM_*', url: 'http://b:1' },
      { pattern: 'tfa_imagesize', url: 'http://c:1' },
    ]);
    assert.deepEqual(t.unmatched(['TFA_ImageSize', 'TFM_ImageSize']), ['tfa_imagesize']);
  });
});

describe('QMB_INFLUX_CONSISTENCY', () => {
  it('takes the levels of InfluxDB Enterprise and is unset by default', () => {
    assert.equal(loadConfig({}).influxConsistency, undefined);
    for (const level of ['any', 'one', 'quorum', 'all']) assert.equal(loadConfig({ QMB_INFLUX_CONSISTENCY: level }).influxConsistency, level);
    assert.match(refusal({ QMB_INFLUX_CONSISTENCY: 'majority' }), /^QMB_INFLUX_CONSISTENCY: "majority" is not one of any, one, quorum, all$/);
  });
});
