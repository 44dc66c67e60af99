// Unit tests: each comparison kind gives every outcome it can, by the builtin table of gate.md.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareCount, compareInfo } from '../../src/check/compare-counts.js';
import { compareHistory, mad, median } from '../../src/check/compare-history.js';
import { compareSet } from '../../src/check/compare-set.js';
import { SIZE_RULES, compareSize } from '../../src/check/compare-sizes.js';
import type { Observation } from '../../src/check/series.js';
import { observe } from '../../src/check/series.js';
import { loadRegistry } from '../../src/metrics/registry.js';

const registry = loadRegistry();
const misra = registry.get('tfa_misra_defects')!.gate;

describe('sizes', () => {
  it('fails an image total that grows by more than 1 % and more than 1024 B', () => {
    const j = compareSize(155033, 157321, true);
    assert.deepEqual(j.builtin, { outcome: 'fail', rule: 'builtin: image total > 1 % and > 1024 B' });
    assert.equal(j.plain.outcome, 'pass');
  });
  it('warns on a total that grows by more than 1024 B but at most 1 %', () => {
    assert.deepEqual(compareSize(200000, 202000, true).builtin, { outcome: 'warn', rule: SIZE_RULES.totalGrew });
  });
  it('warns on a total that grows by more than 1 % but at most 1024 B', () => {
    assert.equal(compareSize(10000, 11024, true).builtin.outcome, 'warn');
    assert.equal(compareSize(10000, 11025, true).builtin.outcome, 'fail');
  });
  it('only warns on a section, however much it grows', () => {
    assert.deepEqual(compareSize(1000, 90000, false).builtin, { outcome: 'warn', rule: SIZE_RULES.sectionGrew });
  });
  it('improves on a decrease, passes when unchanged', () => {
    assert.equal(compareSize(5000, 4000, true).builtin.outcome, 'improved');
    assert.deepEqual(compareSize(5000, 5000, false).builtin, { outcome: 'pass', rule: 'unchanged' });
  });
  it('is new without a base and removed without a head', () => {
    assert.equal(compareSize(null, 5, true).builtin.outcome, 'new');
    assert.equal(compareSize(5, null, false).builtin.outcome, 'removed');
  });
  it('derives <IMAGE>_total from the sections of each image', () => {
    const gate = registry.get('tfa_image_size')!.gate;
    const obs = observe(gate, [{ measurement: 'fvp', tags: { BinMode: 'Debug', CommitID: 'a' }, fields: { BL31_T: 100, BL31_D: 20, BL2_T: 7 }, time: 1n }]);
    const byField = Object.fromEntries([...obs.values()].map((o) => [String(o.series['field']), [o.samples[0]?.value, o.total === true]] as const));
    assert.deepEqual(byField, { BL31_T: [100, false], BL31_D: [20, false], BL2_T: [7, false], BL31_total: [120, true], BL2_total: [7, true] });
    const tfm = registry.get('tfm_image_size')!.gate;
    const t = observe(tfm, [{ measurement: 'TFM_ImageSize_Statistics', tags: { Target: 'AN521', Compiler: 'GNUARM', BuildType: 'Release', CmakeConfig: 'Default', CommitID: 'a' }, fields: { tfm_s_t: 10, tfm_s_d: 5, bl2_b: 1 }, time: 1n }]);
    const tfmTotal = [...t.values()].find((o) => o.series['field'] === 'tfm_s_total');
    assert.deepEqual(tfmTotal?.series, { Target: 'AN521', Compiler: 'GNUARM', BuildType: 'Release', CmakeConfig: 'Default', field: 'tfm_s_total' });
    assert.equal(tfmTotal?.samples[0]?.value, 15);
  });
});

describe('counts', () => {
  it('fails a rise of MandatoryDefects or RequiredDefects', () => {
    assert.deepEqual(compareCount(misra, 'MandatoryDefects', 0, 1).builtin, { outcome: 'fail', rule: 'builtin: MandatoryDefects rose' });
    assert.equal(compareCount(misra, 'RequiredDefects', 10, 11).builtin.outcome, 'fail');
  });
  it('warns on a rise of AdvisoryDefects, and rows other fields as info', () => {
    assert.deepEqual(compareCount(misra, 'AdvisoryDefects', 3, 4).builtin, { outcome: 'warn', rule: 'builtin: AdvisoryDefects rose' });
    assert.equal(compareCount(misra, 'TotalDefects', 3, 4).builtin.outcome, 'info');
  });
  it('improves on a fall, passes unchanged, new and removed', () => {
    assert.equal(compareCount(misra, 'RequiredDefects', 10, 9).builtin.outcome, 'improved');
    assert.equal(compareCount(misra, 'RequiredDefects', 10, 10).builtin.outcome, 'pass');
    assert.equal(compareCount(misra, 'RequiredDefects', null, 10).builtin.outcome, 'new');
    assert.equal(compareCount(misra, 'RequiredDefects', 10, null).builtin.outcome, 'removed');
  });
});

describe('info (defects, churn)', () => {
  it('is info on any change, pass when equal, new and removed', () => {
    assert.equal(compareInfo(4731, 5000).builtin.outcome, 'info');
    assert.equal(compareInfo(5000, 4731).builtin.outcome, 'info');
    assert.equal(compareInfo(5, 5).builtin.outcome, 'pass');
    assert.equal(compareInfo(null, 5).builtin.outcome, 'new');
    assert.equal(compareInfo(5, null).builtin.outcome, 'removed');
  });
});

describe('set (complexity)', () => {
  const fn = (score: number, whitelisted = false, threshold = 10): Observation => ({ key: 'k', group: 'g', series: {}, samples: [{ value: score, time: 1n }], threshold, whitelisted });
  it('fails a function above its threshold that was below it in the baseline', () => {
    const j = compareSet(fn(8), fn(12), true);
    assert.equal(j.builtin.outcome, 'fail');
    assert.match(j.builtin.rule, /not whitelisted/);
  });
  it('fails a function above its threshold absent from the baseline', () => {
    assert.equal(compareSet(undefined, fn(12), true).builtin.outcome, 'fail');
  });
  it('passes a new offender that is whitelisted', () => {
    assert.deepEqual(compareSet(undefined, fn(12, true), true).builtin, { outcome: 'pass', rule: 'above its threshold, whitelisted' });
  });
  it('warns when an offender in both rose, improves when it fell, passes when equal', () => {
    assert.equal(compareSet(fn(12), fn(14), true).builtin.outcome, 'warn');
    assert.equal(compareSet(fn(14), fn(12), true).builtin.outcome, 'improved');
    assert.equal(compareSet(fn(14), fn(14), true).builtin.outcome, 'pass');
  });
  it('improves when an offender of the baseline is no longer above it, or gone', () => {
    assert.equal(compareSet(fn(14), fn(9), true).builtin.outcome, 'improved');
    assert.equal(compareSet(fn(14), undefined, true).builtin.outcome, 'improved');
  });
  it('removes a function below its threshold that is gone; new when nothing of the metric is stored', () => {
    assert.equal(compareSet(fn(5), undefined, true).builtin.outcome, 'removed');
    assert.equal(compareSet(undefined, fn(5), true).builtin.outcome, 'new');
    assert.equal(compareSet(undefined, fn(50), false).builtin.outcome, 'new');
  });
  it('names the function by Location without its line number, and Function_ID', () => {
    const gate = registry.get('tfa_complexity_stats')!.gate;
    const obs = observe(gate, [
      { measurement: 'TFA_Complexity_Statistics', tags: { Location: 'lib/a.c:120', Target_Tag: 'v1' }, fields: { Function_ID: 'f', Score: 12, Whitelisted: 'yes', Threshold: 10 }, time: 1n },
    ]);
    const o = [...obs.values()][0];
    assert.deepEqual(o?.series, { Location: 'lib/a.c', Function_ID: 'f' });
    assert.equal(o?.whitelisted, true);
    assert.equal(o?.threshold, 10);
  });
});

describe('history (runtime instrumentation)', () => {
  const base = [100, 102, 98, 101, 99, 100, 103];
  it('median and MAD', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.equal(mad([1, 1, 2, 2, 4, 6, 9]), 1);
  });
  it('passes within max(3 × 1.4826 × MAD, 5 % of the median)', () => {
    // MAD 1 -> 4.45; 5 % of 100 = 5: the band is 5.
    const j = compareHistory(base, [105]);
    assert.equal(j.band, 5);
    assert.equal(j.builtin.outcome, 'pass');
  });
  it('warns above the band, improves below it', () => {
    assert.equal(compareHistory(base, [105.5, 106, 104]).builtin.outcome, 'warn');
    assert.equal(compareHistory(base, [90]).builtin.outcome, 'improved');
  });
  it('uses 3 × 1.4826 × MAD when the samples are noisy', () => {
    const noisy = [100, 80, 120, 90, 110, 100, 70, 130];
    const j = compareHistory(noisy, [125]);
    assert.ok(Math.abs((j.band as number) - 3 * 1.4826 * 15) < 1e-9, String(j.band));
    assert.equal(j.builtin.outcome, 'pass');
    assert.equal(compareHistory(noisy, [167]).builtin.outcome, 'warn');
  });
  it('is insufficient-history below 5 baseline samples, new without any, removed without head samples', () => {
    const j = compareHistory([100, 100, 100, 100], [200]);
    assert.equal(j.builtin.outcome, 'insufficient-history');
    assert.match(j.builtin.rule, /4 baseline samples, 5 needed/);
    assert.equal(compareHistory([], [200]).builtin.outcome, 'new');
    assert.equal(compareHistory(base, []).builtin.outcome, 'removed');
  });
});
