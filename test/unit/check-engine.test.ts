// The engine over a real embedded store: baselines per series, every outcome, budgets, waivers, verdicts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parseBudgets } from '../../src/check/budgets.js';
import { runCheck } from '../../src/check/engine.js';
import { headFromRevision } from '../../src/check/head.js';
import { type CheckResult, type CheckRow, CheckResultSchema } from '../../src/check/result.js';
import { BrokerError } from '../../src/errors.js';
import { parseWaivers } from '../../src/check/waivers.js';
import { EmbeddedFixture, type SizeConfig, churn, complexity, day, defects, head, imageSize, misra, rtinstr } from '../helpers/check-data.js';

const fvp = (fields: Record<string, number>, binMode = 'Debug'): SizeConfig => ({ measurement: 'fvp-default', binMode, fields });

function row(r: CheckResult, metric: string, match: Record<string, string>): CheckRow {
  const found = r.rows.find((x) => x.metric === metric && Object.entries(match).every(([k, v]) => x.series[k] === v));
  assert.ok(found, `no row ${metric} ${JSON.stringify(match)} in ${JSON.stringify(r.rows.map((x) => [x.metric, x.series, x.outcome]))}`);
  return found;
}

describe('check engine on the embedded store', () => {
  let fx: EmbeddedFixture;
  const base4 = { BL31_T: 100000, BL31_D: 40000, BL2_T: 30000, BL1_T: 20000, BL32_W: 500 };

  before(async () => {
    fx = new EmbeddedFixture();
    await fx.store([
      imageSize('c3', [fvp({ ...base4, BL31_T: 99000 }), { measurement: 'juno', binMode: 'Release', fields: { BL31_T: 50000 } }], day(3)),
      imageSize('c4', [fvp(base4)], day(4)),
      misra('c4', 'fvp-rst-bl31', { mandatory: 0, required: 10, advisory: 5 }, day(4)),
      complexity('v1', [
        { name: 'f_old', file: 'lib/old.c', score: 15 },
        { name: 'f_keep', file: 'lib/keep.c', score: 12 },
        { name: 'f_low', file: 'lib/low.c', score: 5 },
        { name: 'f_moved', file: 'lib/moved.c', line: 10, score: 11 },
        { name: 'f_new', file: 'lib/new.c', score: 8 },
      ], day(1)),
      churn('v1', 'v0', 4731, day(1)),
    ]);
  });
  after(async () => fx?.close());

  const sizeHead = () =>
    head(fx.registry, [
      imageSize('h', [fvp({ BL31_T: 102500, BL31_D: 40000, BL2_T: 30050, BL1_T: 19000, BL31_X: 10 }), { measurement: 'fvp-new', binMode: 'Debug', fields: { BL31_T: 1 } }, { measurement: 'juno', binMode: 'Release', fields: { BL31_T: 50000 } }], day(5)),
    ]);

  it('compares each series with the first candidate that holds it, and says which and how many were skipped', async () => {
    const r = await runCheck({ head: sizeHead(), candidates: ['c5', 'c4', 'c3'] }, fx.source);
    assert.equal(r.verdict, 'fail');
    assert.deepEqual(r.baseline, { revisions: ['c4', 'c3'], candidates_skipped: 1 });
    assert.deepEqual(r.head, { revisions: ['h'] });
    const total = row(r, 'tfa_image_size', { measurement: 'fvp-default', field: 'BL31_total' });
    assert.deepEqual(total, {
      metric: 'tfa_image_size',
      series: { measurement: 'fvp-default', BinMode: 'Debug', field: 'BL31_total' },
      base: 140000,
      head: 142510,
      delta: 2510,
      delta_percent: 1.79,
      outcome: 'fail',
      rule: 'builtin: image total > 1 % and > 1024 B',
      baseline_revision: 'c4',
    });
    assert.equal(row(r, 'tfa_image_size', { measurement: 'fvp-default', field: 'BL31_T' }).outcome, 'warn');
    assert.equal(row(r, 'tfa_image_size', { measurement: 'fvp-default', field: 'BL2_total' }).outcome, 'warn');
    assert.equal(row(r, 'tfa_image_size', { measurement: 'fvp-default', field: 'BL1_T' }).outcome, 'improved');
    assert.equal(row(r, 'tfa_image_size', { measurement: 'fvp-default', field: 'BL31_D' }).outcome, 'pass');
    assert.equal(row(r, 'tfa_image_size', { measurement: 'fvp-default', field: 'BL31_X' }).outcome, 'new');
    const removed = row(r, 'tfa_image_size', { measurement: 'fvp-default', field: 'BL32_W' });
    assert.deepEqual([removed.outcome, removed.base, removed.head, removed.baseline_revision], ['removed', 500, null, 'c4']);
    assert.equal(row(r, 'tfa_image_size', { measurement: 'fvp-new', field: 'BL31_T' }).outcome, 'new');
    // juno is only in c3: compared with c3.
    const juno = row(r, 'tfa_image_size', { measurement: 'juno', field: 'BL31_T' });
    assert.deepEqual([juno.outcome, juno.baseline_revision], ['pass', 'c3']);
    assert.equal(r.counts.fail, 1);
    assert.equal(r.rows[0]?.outcome, 'fail');
    const order = r.rows.map((x) => x.outcome);
    assert.deepEqual(order, [...order].sort((a, b) => ['fail', 'warn', 'waived', 'insufficient-history', 'new', 'removed', 'improved', 'info', 'pass'].indexOf(a) - ['fail', 'warn', 'waived', 'insufficient-history', 'new', 'removed', 'improved', 'info', 'pass'].indexOf(b)));
  });

  it('answers the shape its JSON Schema (CheckResultSchema) describes', async () => {
    const validate = new Ajv({ strict: false }).compile(CheckResultSchema);
    const waivers = parseWaivers(['tfa_image_size fvp-default/Debug/BL31_total: reason', 'x y: unused']);
    const r = await runCheck({ head: sizeHead(), candidates: ['c5', 'c4', 'c3'], waivers }, fx.source);
    assert.equal(validate(JSON.parse(JSON.stringify(r))), true, JSON.stringify(validate.errors));
    assert.equal(r.id, null);
    assert.deepEqual(Object.keys(r.counts), ['fail', 'warn', 'waived', 'insufficient-history', 'new', 'removed', 'improved', 'info', 'pass']);
  });

  it('refuses a bad head payload as ingest would, the pointer naming the payload', () => {
    const good = imageSize('h', [fvp({ BL31_T: 1 })], day(5));
    const bad = { ...imageSize('h', [fvp({ BL31_T: 1 })], day(5)), data: [{ measurement: 'fvp', fields: { BL31_T: 1 }, tags: { BinMode: 'Debug' }, time: day(5) }] };
    assert.throws(() => head(fx.registry, [good, bad]), (err: unknown) => {
      assert.ok(err instanceof BrokerError);
      assert.equal(err.code, 'SCHEMA_VIOLATION');
      assert.ok(err.details.some((d) => d.path === '/head/payloads/1/data/0/tags/CommitID'), JSON.stringify(err.details));
      return true;
    });
  });

  it('is no-baseline when no candidate holds any series of the head', async () => {
    const r = await runCheck({ head: sizeHead(), candidates: ['c9', 'c8'] }, fx.source);
    assert.equal(r.verdict, 'no-baseline');
    assert.deepEqual(r.baseline, { revisions: [], candidates_skipped: 0 });
    assert.ok(r.rows.every((x) => x.outcome === 'new'));
  });

  it('does not take a stored head revision as its own baseline', async () => {
    const r = await runCheck({ head: await headFromRevision(fx.source, fx.registry, 'c4', ['tfa_image_size']), candidates: ['c4', 'c3'] }, fx.source);
    assert.deepEqual(r.head.revisions, ['c4']);
    assert.deepEqual(r.baseline, { revisions: ['c3'], candidates_skipped: 0 });
    assert.equal(row(r, 'tfa_image_size', { field: 'BL31_T' }).delta, 1000);
  });

  it('reads the head from the store for a revision (every metric with a revision tag)', async () => {
    const h = await headFromRevision(fx.source, fx.registry, 'c4');
    assert.deepEqual(h.map((x) => x.metric.name).sort(), ['tfa_image_size', 'tfa_misra_defects']);
  });

  it('turns covered fails into waived with the reason, and reports unused waivers', async () => {
    const waivers = parseWaivers(['tfa_image_size fvp-default/Debug/BL31_total: new crypto backend', 'tfa_misra_defects **: not needed']);
    const r = await runCheck({ head: sizeHead(), candidates: ['c4'], waivers }, fx.source);
    const total = row(r, 'tfa_image_size', { field: 'BL31_total', measurement: 'fvp-default' });
    assert.deepEqual([total.outcome, total.waiver, total.rule], ['waived', 'new crypto backend', 'builtin: image total > 1 % and > 1024 B']);
    assert.deepEqual(r.waivers, [
      { text: 'tfa_image_size fvp-default/Debug/BL31_total: new crypto backend', used: true },
      { text: 'tfa_misra_defects **: not needed', used: false },
    ]);
    assert.equal(r.verdict, 'warn');
    assert.equal(r.counts.waived, 1);
  });

  it('budgets tighten: a rule fails what the builtin table only warns about', async () => {
    const budgets = parseBudgets('rules:\n  - metric: tfa_image_size\n    match: { measurement: "fvp-*", BinMode: Debug, field: "BL2_*" }\n    max_increase_bytes: 10\n    severity: fail\n', { registry: fx.registry });
    const r = await runCheck({ head: sizeHead(), candidates: ['c4'], budgets }, fx.source);
    const bl2 = row(r, 'tfa_image_size', { field: 'BL2_T', measurement: 'fvp-default' });
    assert.deepEqual([bl2.outcome, bl2.rule], ['fail', 'budgets rule 1 (tfa_image_size measurement=fvp-* BinMode=Debug field=BL2_*): > 10 B']);
    assert.equal(row(r, 'tfa_image_size', { field: 'BL2_total', measurement: 'fvp-default' }).outcome, 'fail');
    // The builtin table still applies (defaults: builtin): BL31 still fails, other growth still warns.
    assert.equal(row(r, 'tfa_image_size', { field: 'BL31_total', measurement: 'fvp-default' }).outcome, 'fail');
    assert.equal(row(r, 'tfa_image_size', { field: 'BL31_T', measurement: 'fvp-default' }).outcome, 'warn');
  });

  it('budgets loosen with defaults: none: only the rules judge growth', async () => {
    const budgets = parseBudgets(JSON.stringify({ defaults: 'none', rules: [{ metric: 'tfa_image_size', match: { field: '*_total' }, max_increase_bytes: 4096, severity: 'fail' }] }), { registry: fx.registry });
    const r = await runCheck({ head: sizeHead(), candidates: ['c4'], budgets }, fx.source);
    const total = row(r, 'tfa_image_size', { field: 'BL31_total', measurement: 'fvp-default' });
    assert.deepEqual([total.outcome, total.rule], ['pass', 'within budgets rule 1 (tfa_image_size field=*_total): > 4096 B']);
    assert.deepEqual([row(r, 'tfa_image_size', { field: 'BL31_T', measurement: 'fvp-default' }).outcome], ['pass']);
    assert.equal(row(r, 'tfa_image_size', { field: 'BL1_T', measurement: 'fvp-default' }).outcome, 'improved');
    assert.equal(r.verdict, 'pass');
  });

  it('MISRA: Mandatory and Required rises fail, Advisory warns, a fall improves', async () => {
    const r = await runCheck({ head: head(fx.registry, [misra('h', 'fvp-rst-bl31', { mandatory: 1, required: 9, advisory: 7 }, day(5))]), candidates: ['c4'] }, fx.source);
    const by = (field: string) => row(r, 'tfa_misra_defects', { field }).outcome;
    assert.deepEqual([by('MandatoryDefects'), by('RequiredDefects'), by('AdvisoryDefects'), by('TotalDefects')], ['fail', 'improved', 'warn', 'info']);
    assert.deepEqual(row(r, 'tfa_misra_defects', { field: 'MandatoryDefects' }).series, { measurement: 'fvp-rst-bl31', BinMode: 'Debug', field: 'MandatoryDefects' });
  });

  it('complexity: new offenders fail unless whitelisted, rises warn, cleared offenders improve', async () => {
    const h = head(fx.registry, [
      complexity('v2', [
        { name: 'f_keep', file: 'lib/keep.c', score: 13 },
        { name: 'f_new', file: 'lib/new.c', score: 20 },
        { name: 'f_fresh', file: 'lib/fresh.c', score: 25 },
        { name: 'f_allowed', file: 'lib/allowed.c', score: 30, whitelisted: true },
        { name: 'f_moved', file: 'lib/moved.c', line: 14, score: 11 },
      ], day(6)),
    ]);
    const r = await runCheck({ head: h, candidates: ['v1'] }, fx.source);
    const by = (name: string) => row(r, 'tfa_complexity_stats', { Function_ID: name });
    assert.equal(by('f_new').outcome, 'fail');
    assert.deepEqual([by('f_fresh').outcome, by('f_fresh').base, by('f_fresh').baseline_revision], ['fail', null, 'v1']);
    assert.equal(by('f_allowed').outcome, 'pass');
    assert.equal(by('f_keep').outcome, 'warn');
    assert.equal(by('f_old').outcome, 'improved');
    assert.equal(by('f_low').outcome, 'removed');
    assert.deepEqual([by('f_moved').outcome, by('f_moved').series], ['pass', { Location: 'lib/moved.c', Function_ID: 'f_moved' }]);
  });

  it('code churn is info against the baseline tag', async () => {
    const r = await runCheck({ head: head(fx.registry, [churn('v2', 'v1', 5000, day(6))]), candidates: ['v1'] }, fx.source);
    const c = row(r, 'tfa_code_churn', { field: 'Lines_of_Change' });
    assert.deepEqual([c.outcome, c.base, c.head, c.baseline_revision], ['info', 4731, 5000, 'v1']);
    assert.equal(r.verdict, 'pass');
  });
});

describe('check engine: history and snapshots', () => {
  let fx: EmbeddedFixture;
  const revs = Array.from({ length: 25 }, (_, i) => `r${25 - i}`); // newest first: r25 .. r1

  before(async () => {
    fx = new EmbeddedFixture();
    const payloads = [];
    for (let i = 1; i <= 25; i++) {
      const a = 100 + (i % 3);
      const samples = [{ tc: 'A', core: 0, value: a }, { tc: 'B', core: 0, value: 200 + (i % 2) }];
      if (i >= 23) samples.push({ tc: 'C', core: 0, value: 50 });
      payloads.push(rtinstr(`r${i}`, samples, day(i)));
    }
    await fx.store(payloads);
    const t = (d: string) => BigInt(Date.parse(d)) * 1_000_000n;
    await fx.store([defects('2024-01-01', ['open', 'closed'])], t(day(1)));
    await fx.store([defects('2024-01-08', ['open', 'open', 'closed'])], t(day(8)));
  });
  after(async () => fx?.close());

  it('rtinstr: median against the newest 20 revisions holding the series; fewer than 5 samples is insufficient-history', async () => {
    const h = head(fx.registry, [rtinstr('h', [{ tc: 'A', core: 0, value: 112 }, { tc: 'A', core: 0, value: 110 }, { tc: 'A', core: 0, value: 111 }, { tc: 'B', core: 0, value: 201 }, { tc: 'C', core: 0, value: 80 }, { tc: 'D', core: 0, value: 1 }], day(30))]);
    const r = await runCheck({ head: h, candidates: revs }, fx.source);
    const a = row(r, 'tfa_rtinstr', { TC_Name: 'A' });
    assert.deepEqual([a.outcome, a.head, a.base, a.baseline_revision], ['warn', 111, 101, 'r25']);
    // 25 revisions hold it; the newest 20 count.
    assert.match(a.rule, /\(20 samples\)$/);
    assert.equal(row(r, 'tfa_rtinstr', { TC_Name: 'B' }).outcome, 'pass');
    const c = row(r, 'tfa_rtinstr', { TC_Name: 'C' });
    assert.deepEqual([c.outcome, c.rule], ['insufficient-history', 'builtin: 3 baseline samples, 5 needed']);
    assert.equal(row(r, 'tfa_rtinstr', { TC_Name: 'D' }).outcome, 'new');
    assert.deepEqual(a.series, { measurement: 'juno-tftf+aarch64-rt64.instr-r2', TC_Name: 'A', Cluster_ID: '0', CPU_Core: '0', field: 'Latency_EL3Entry_EL3Exit' });
    assert.equal(r.verdict, 'warn');
  });

  it('defects: counted per status against the newest snapshot before the head, as info', async () => {
    const h = head(fx.registry, [defects('2024-02-01', ['open', 'open', 'open', 'fixed'])], BigInt(Date.parse(day(40))) * 1_000_000n);
    const r = await runCheck({ head: h, candidates: [] }, fx.source);
    const by = (s: string) => row(r, 'tfa_defects_stats', { Issue_Status: s });
    assert.deepEqual([by('open').outcome, by('open').base, by('open').head], ['info', 2, 3]);
    assert.deepEqual([by('closed').base, by('closed').head, by('closed').outcome], [1, 0, 'info']);
    assert.deepEqual([by('fixed').base, by('fixed').head, by('fixed').outcome], [0, 1, 'info']);
    assert.equal(r.verdict, 'pass');
    // Before the second snapshot, the first one is the baseline.
    const early = await runCheck({ head: head(fx.registry, [defects('2024-01-05', ['open'])], BigInt(Date.parse(day(5))) * 1_000_000n), candidates: [] }, fx.source);
    assert.deepEqual([row(early, 'tfa_defects_stats', { Issue_Status: 'open' }).base, row(early, 'tfa_defects_stats', { Issue_Status: 'open' }).outcome], [1, 'pass']);
    // A head whose revision-tagged series no candidate holds is no-baseline, whatever the defects compare with.
    const fresh = await runCheck({ head: head(fx.registry, [defects('2024-02-01', ['open']), rtinstr('h', [{ tc: 'A', core: 0, value: 1 }], day(30))], BigInt(Date.parse(day(40))) * 1_000_000n), candidates: ['nothing'] }, fx.source);
    assert.equal(fresh.verdict, 'no-baseline');
    assert.equal(row(fresh, 'tfa_defects_stats', { Issue_Status: 'open' }).outcome, 'info');
    // Before any: new.
    const first = await runCheck({ head: head(fx.registry, [defects('2023-01-01', ['open'])], BigInt(Date.parse('2023-01-01')) * 1_000_000n), candidates: [] }, fx.source);
    assert.equal(first.verdict, 'no-baseline');
  });
});
