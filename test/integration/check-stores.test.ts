// The gate's engine against both stores: a history pushed through POST /api/v1/metrics into a real broker
// on the embedded store and on a private influxd, then checked through the ReadStore-backed CheckSource.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseBudgets } from '../../src/check/budgets.js';
import { ReadStoreCheckSource } from '../../src/check/check-source.js';
import { runCheck } from '../../src/check/engine.js';
import { headFromRevision } from '../../src/check/head.js';
import type { CheckResult, CheckRow } from '../../src/check/result.js';
import { parseWaivers } from '../../src/check/waivers.js';
import { createReadStore } from '../../src/broker.js';
import { type Payload, churn, complexity, day, defects, head, imageSize, misra, rtinstr, tfmImageSize } from '../helpers/check-data.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { FROZEN_MS, type ReadBroker, ingest, readBroker } from '../helpers/read-setup.js';

const CANDIDATES = Array.from({ length: 12 }, (_, i) => `c${12 - i}`); // c12 (newest) .. c1
const SIZES = { BL31_T: 100000, BL31_D: 40000, BL2_T: 30000, BL1_T: 20000, BL32_W: 500 };

/** Twelve commits of history; c12 has no data (its CI has not run yet). */
function history(): Payload[] {
  const out: Payload[] = [];
  for (let i = 1; i <= 11; i++) {
    const c = `c${i}`;
    out.push(imageSize(c, [{ measurement: 'fvp-default', binMode: 'Debug', fields: { ...SIZES, BL31_T: SIZES.BL31_T - (11 - i) * 10 } }], day(i)));
    out.push(misra(c, 'fvp-rst-bl31', { mandatory: 0, required: 10, advisory: 5 }, day(i)));
    out.push(rtinstr(c, [{ tc: 'suspend', core: 0, value: 1000 + (i % 3) * 5 }, { tc: 'version', core: 1, value: 2400 + (i % 2) * 10 }, ...(i >= 9 ? [{ tc: 'young', core: 0, value: 50 }] : [])], day(i)));
    out.push(tfmImageSize(c, [{ file: 'tfm_s.axf', bss: 1000, data: 200, text: 80000 }, { file: 'bl2.axf', bss: 100, data: 20, text: 40000 }], day(i)));
  }
  out.push(
    complexity('v1', [
      { name: 'f_old', file: 'lib/old.c', score: 15 },
      { name: 'f_keep', file: 'lib/keep.c', score: 12 },
      { name: 'f_low', file: 'lib/low.c', score: 5 },
    ], day(1)),
  );
  out.push(churn('v1', 'v0', 4731, day(1)));
  out.push(defects('2021-05-01', ['open', 'open', 'closed']));
  return out;
}

/** The head: one change of every kind. */
function headPayloads(): Payload[] {
  return [
    imageSize('h', [
      { measurement: 'fvp-default', binMode: 'Debug', fields: { BL31_T: 102500, BL31_D: 40000, BL2_T: 30050, BL1_T: 19000 } },
      { measurement: 'fvp-new', binMode: 'Debug', fields: { BL31_T: 1 } },
    ], day(20)),
    misra('h', 'fvp-rst-bl31', { mandatory: 1, required: 9, advisory: 7 }, day(20)),
    rtinstr('h', [{ tc: 'suspend', core: 0, value: 1200 }, { tc: 'version', core: 1, value: 2405 }, { tc: 'young', core: 0, value: 50 }, { tc: 'fresh', core: 0, value: 1 }], day(20)),
    tfmImageSize('h', [{ file: 'tfm_s.axf', bss: 1000, data: 200, text: 82000 }, { file: 'bl2.axf', bss: 100, data: 20, text: 39000 }], day(20)),
    complexity('v2', [
      { name: 'f_keep', file: 'lib/keep.c', score: 13 },
      { name: 'f_new', file: 'lib/new.c', score: 20 },
    ], day(20)),
    churn('v2', 'v1', 5000, day(20)),
    defects('2021-06-02', ['open', 'open', 'open', 'fixed']),
  ];
}

function outcomes(r: CheckResult): Record<string, string> {
  return Object.fromEntries(r.rows.map((x: CheckRow) => [`${x.metric} ${Object.values(x.series).join('/')}`, x.outcome]));
}

describe('check engine on InfluxDB and on the embedded store', () => {
  let influx: Influx;
  const brokers: [string, ReadBroker][] = [];

  before(async () => {
    influx = await startInflux();
    brokers.push(['influxdb', await readBroker({ influxUrl: influx.url })], ['embedded', await readBroker()]);
    for (const [, b] of brokers) for (const p of history()) assert.equal(await ingest(b, JSON.stringify(p)), 201);
  });

  after(async () => {
    for (const [, b] of brokers) await b.close();
    await influx?.stop();
  });

  async function check(b: ReadBroker, extra: { budgets?: string; waivers?: string[] } = {}): Promise<CheckResult> {
    const source = new ReadStoreCheckSource(createReadStore(b.deps));
    // After the stored defects snapshot (stamped at the frozen clock): a day later.
    const now = BigInt(FROZEN_MS + 86_400_000) * 1_000_000n;
    return runCheck(
      {
        head: head(b.deps.registry, headPayloads(), now),
        candidates: [...CANDIDATES, 'v1'],
        budgets: extra.budgets === undefined ? undefined : parseBudgets(extra.budgets, { registry: b.deps.registry }),
        waivers: parseWaivers(extra.waivers ?? []),
        now: new Date(0),
      },
      source,
    );
  }

  it('finds every known change, the same on both stores', async () => {
    const results: CheckResult[] = [];
    for (const [, b] of brokers) results.push(await check(b));
    const [onInflux, onEmbedded] = results as [CheckResult, CheckResult];
    assert.equal(JSON.stringify(onEmbedded), JSON.stringify(onInflux));
    const o = outcomes(onInflux);
    const expected: Record<string, string> = {
      'tfa_image_size fvp-default/Debug/BL31_total': 'fail',
      'tfa_image_size fvp-default/Debug/BL31_T': 'warn',
      'tfa_image_size fvp-default/Debug/BL2_T': 'warn',
      'tfa_image_size fvp-default/Debug/BL1_T': 'improved',
      'tfa_image_size fvp-default/Debug/BL31_D': 'pass',
      'tfa_image_size fvp-default/Debug/BL32_W': 'removed',
      'tfa_image_size fvp-default/Debug/BL32_total': 'removed',
      'tfa_image_size fvp-new/Debug/BL31_T': 'new',
      'tfa_misra_defects fvp-rst-bl31/Debug/MandatoryDefects': 'fail',
      'tfa_misra_defects fvp-rst-bl31/Debug/RequiredDefects': 'improved',
      'tfa_misra_defects fvp-rst-bl31/Debug/AdvisoryDefects': 'warn',
      'tfa_misra_defects fvp-rst-bl31/Debug/TotalDefects': 'info',
      'tfa_rtinstr juno-tftf+aarch64-rt64.instr-r2/suspend/0/0/Latency_EL3Entry_EL3Exit': 'warn',
      'tfa_rtinstr juno-tftf+aarch64-rt64.instr-r2/version/0/1/Latency_EL3Entry_EL3Exit': 'pass',
      'tfa_rtinstr juno-tftf+aarch64-rt64.instr-r2/young/0/0/Latency_EL3Entry_EL3Exit': 'insufficient-history',
      'tfa_rtinstr juno-tftf+aarch64-rt64.instr-r2/fresh/0/0/Latency_EL3Entry_EL3Exit': 'new',
      'tfm_image_size AN521/GNUARM/Release/ConfigDefault/tfm_s_total': 'fail',
      'tfm_image_size AN521/GNUARM/Release/ConfigDefault/tfm_s_t': 'warn',
      'tfm_image_size AN521/GNUARM/Release/ConfigDefault/bl2_total': 'improved',
      'tfa_complexity_stats lib/new.c/f_new': 'fail',
      'tfa_complexity_stats lib/keep.c/f_keep': 'warn',
      'tfa_complexity_stats lib/old.c/f_old': 'improved',
      'tfa_complexity_stats lib/low.c/f_low': 'removed',
      'tfa_code_churn TFA_CodeChurn_Tracking/Lines_of_Change': 'info',
      'tfa_defects_stats open': 'info',
      'tfa_defects_stats closed': 'info',
      'tfa_defects_stats fixed': 'info',
    };
    for (const [k, v] of Object.entries(expected)) assert.equal(o[k], v, k);
    assert.equal(onInflux.verdict, 'fail');
    // c12 holds nothing: skipped; the sizes come from c11, the complexity from v1.
    assert.deepEqual(onInflux.baseline, { revisions: ['c11', 'v1'], candidates_skipped: 1 });
    const total = onInflux.rows.find((x) => x.metric === 'tfa_image_size' && x.series['field'] === 'BL31_total');
    assert.deepEqual([total?.base, total?.head, total?.delta, total?.delta_percent, total?.baseline_revision], [140000, 142500, 2500, 1.79, 'c11']);
    const suspend = onInflux.rows.find((x) => x.series['TC_Name'] === 'suspend');
    assert.match(suspend?.rule ?? '', /\(11 samples\)$/);
    assert.equal(onInflux.rows[0]?.outcome, 'fail');
  });

  it('budgets and waivers, the same on both stores', async () => {
    const extra = {
      budgets: 'rules:\n  - metric: tfa_rtinstr\n    match: { TC_Name: suspend }\n    max_increase_percent: 10\n    severity: fail\n',
      waivers: ['tfa_image_size fvp-default/Debug/BL31_total: new crypto backend', 'tfa_misra_defects **/MandatoryDefects: vendor header', 'tfm_image_size **: bigger', 'tfa_complexity_stats lib/new.c/*: parser', 'tfa_image_size juno/**: unused'],
    };
    const results: CheckResult[] = [];
    for (const [, b] of brokers) results.push(await check(b, extra));
    const [onInflux, onEmbedded] = results as [CheckResult, CheckResult];
    assert.equal(JSON.stringify(onEmbedded), JSON.stringify(onInflux));
    const o = outcomes(onInflux);
    assert.equal(o['tfa_rtinstr juno-tftf+aarch64-rt64.instr-r2/suspend/0/0/Latency_EL3Entry_EL3Exit'], 'fail');
    assert.equal(o['tfa_image_size fvp-default/Debug/BL31_total'], 'waived');
    assert.equal(onInflux.verdict, 'fail');
    assert.deepEqual(onInflux.waivers.map((w) => w.used), [true, true, true, true, false]);
  });

  it('ReadStore.pointRows: the same rows on both stores, with only the tags asked for', async () => {
    const answers: string[] = [];
    for (const [, b] of brokers) {
      const rows = await createReadStore(b.deps).pointRows('TFA_ImageSize', {
        measurements: ['fvp-default', 'no-such-measurement'],
        from: 0n,
        to: 4_102_444_800_000_000_000n,
        where: { CommitID: ['c3', 'c5'], BinMode: ['Debug'] },
        tags: ['CommitID', 'BinMode'],
      });
      rows.sort((x, y) => (x.tags['CommitID'] ?? '').localeCompare(y.tags['CommitID'] ?? ''));
      // Field order is not part of the answer.
      answers.push(JSON.stringify(rows.map((r) => ({ ...r, fields: Object.fromEntries(Object.entries(r.fields).sort(([a], [c]) => a.localeCompare(c))) }))));
      assert.deepEqual(rows.map((r) => [r.measurement, r.tags, r.fields['BL32_W']]), [
        ['fvp-default', { CommitID: 'c3', BinMode: 'Debug' }, 500],
        ['fvp-default', { CommitID: 'c5', BinMode: 'Debug' }, 500],
      ]);
      assert.equal(rows[0]?.time, String(BigInt(Date.parse(day(3))) * 1_000_000n));
      assert.deepEqual(await createReadStore(b.deps).pointRows('No_Such_Db', { measurements: ['x'], from: 0n, to: 1n, where: {}, tags: [] }), []);
    }
    assert.equal(answers[0], answers[1]);
  });

  it('reads a stored revision as the head, the same on both stores', async () => {
    const results: CheckResult[] = [];
    for (const [, b] of brokers) {
      const source = new ReadStoreCheckSource(createReadStore(b.deps));
      const h = await headFromRevision(source, b.deps.registry, 'c11');
      assert.deepEqual(h.map((x) => x.metric.name).sort(), ['tfa_image_size', 'tfa_misra_defects', 'tfa_rtinstr', 'tfm_image_size']);
      results.push(await runCheck({ head: h, candidates: CANDIDATES, now: new Date(0) }, source));
    }
    const [onInflux, onEmbedded] = results as [CheckResult, CheckResult];
    assert.equal(JSON.stringify(onEmbedded), JSON.stringify(onInflux));
    assert.deepEqual(onInflux.baseline, { revisions: ['c10'], candidates_skipped: 1 });
    assert.equal(onInflux.head.revisions[0], 'c11');
    assert.equal(outcomes(onInflux)['tfa_image_size fvp-default/Debug/BL31_T'], 'warn');
  });
});
