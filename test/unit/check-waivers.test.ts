// Unit tests: waiver lines from commit messages and options; fail rows they cover become waived.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckRow } from '../../src/check/result.js';
import { applyWaivers, parseWaiver, parseWaivers, waiverLines } from '../../src/check/waivers.js';
import { InvalidRequestError } from '../../src/errors.js';

const row = (metric: string, series: Record<string, string>, outcome: CheckRow['outcome'] = 'fail'): CheckRow => ({
  metric,
  series,
  base: 1,
  head: 2,
  delta: 1,
  delta_percent: 100,
  outcome,
  rule: 'builtin: x',
  baseline_revision: 'a',
});

describe('waivers', () => {
  it('reads Quality-Waiver lines of a commit message (any case of the key)', () => {
    const message = 'Add the new crypto backend\n\nLonger text: with a colon.\n\nQuality-Waiver: tfa_image_size fvp-*/Debug/BL31_*: crypto backend, see T123\nquality-waiver: tfa_misra_defects */*/RequiredDefects: vendor header\nChange-Id: I0123\n';
    assert.deepEqual(waiverLines(message), ['tfa_image_size fvp-*/Debug/BL31_*: crypto backend, see T123', 'tfa_misra_defects */*/RequiredDefects: vendor header']);
  });

  it('parses metric, series glob and reason; the reason may hold colons', () => {
    const w = parseWaiver('tfa_image_size fvp-*/Debug/BL31_total: needed: see T1');
    assert.deepEqual([w.metric, w.series, w.reason], ['tfa_image_size', 'fvp-*/Debug/BL31_total', 'needed: see T1']);
  });

  it('refuses a malformed waiver as a usage error naming it', () => {
    for (const bad of ['tfa_image_size', 'tfa_image_size fvp-*', 'tfa_image_size fvp-*:', 'tfa_image_size: reason']) {
      assert.throws(() => parseWaivers(['tfa_misra_defects **: ok', bad]), (err: unknown) => {
        assert.ok(err instanceof InvalidRequestError);
        assert.equal(err.details[0]?.path, '/waivers/1');
        assert.match(err.message, /<metric> <series glob>: <reason>/);
        return true;
      });
    }
  });

  it('waives matching fail rows only, with the reason, and reports the unused ones', () => {
    const rows = [
      row('tfa_image_size', { measurement: 'fvp-default', BinMode: 'Debug', field: 'BL31_total' }),
      row('tfa_image_size', { measurement: 'fvp-default', BinMode: 'Release', field: 'BL31_total' }),
      row('tfa_image_size', { measurement: 'fvp-default', BinMode: 'Debug', field: 'BL31_T' }, 'warn'),
      row('tfa_misra_defects', { measurement: 'fvp-rst-bl31', BinMode: 'Debug', field: 'RequiredDefects' }),
    ];
    const used = applyWaivers(rows, parseWaivers(['tfa_image_size fvp-*/Debug/BL31_*: crypto', 'tfa_image_size juno/**: other board', 'tfa_misra_* **/RequiredDefects: vendor header']));
    assert.deepEqual(rows.map((r) => [r.outcome, r.waiver]), [
      ['waived', 'crypto'],
      ['fail', undefined],
      ['warn', undefined],
      ['waived', 'vendor header'],
    ]);
    assert.deepEqual(used.map((u) => u.used), [true, false, true]);
  });
});
