// The three CI text formats: the samples convert to hand-written payloads, and each kind
// of malformed input gets an error naming its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CiTextError, parseImageSizeText, parseMisraText, parseRtInstrText } from '../../src/producer/ci-text.js';
import { imageSizeTextPayload, misraPayload, rtInstrPayload, titleCase } from '../../src/producer/convert.js';
import { serializePayload } from '../../src/producer/payload.js';

// Verbatim copies of the samples in shared/samples/ci-text (the paths inside come from CI machines).
const IMAGE_SIZE = `BuildConfig:      zynqmp-tspd-tdram
BinMode:          debug
CommitID:         ed39d5e3c0709bab22821a1da3a62737c5d531de
CommitTitle:      Merge "Enabling DPU in dts file for TC0" into integration
CommitDate:       2020-09-08T14:22:45+00:00
/work/workspace/workspace/swqt-atf-image-size-metrics/scripts/metrics/atf_metrics/tf-topics/tools/renesas/rcar_layout_create/cert_header_sa6.elf:
R 288

/work/workspace/workspace/swqt-atf-image-size-metrics/scripts/metrics/atf_metrics/tf-topics/tools/renesas/rcar_layout_create/bootparam_sa0.elf:
R 20

/work/workspace/workspace/swqt-atf-image-size-metrics/scripts/metrics/atf_metrics/tf-topics/build/zynqmp/debug/bl31/bl31.elf:
B 26676
D 14193
R 3121
T 40916
W 516

/work/workspace/workspace/swqt-atf-image-size-metrics/scripts/metrics/atf_metrics/tf-topics/build/zynqmp/debug/bl32/bl32.elf:
B 21512
D 5
R 1218
T 11496
W 196
`;
const MISRA = `BuildConfig:      fvp-rst-bl31
BinMode:          debug
CommitID:         ed39d5e3c0709bab22821a1da3a62737c5d531de
CommitTitle:      Merge "Enabling DPU in dts file for TC0" into integration
CommitDate:       2020-09-08T14:22:45+00:00
TotalDefects:     667
MandatoryDefects: 0
RequiredDefects:  534
AdvisoryDefects:  119
`;
const RT_INSTR = `InstrumentationTarget: juno-tftf+aarch32-rt32.instr-r2
CommitID:              ed39d5e3c0709bab22821a1da3a62737c5d531de
CommitTitle:           Merge "Enabling DPU in dts file for TC0" into integration
CommitDate:            2020-09-08T14:22:45+00:00
testrtinstrsuspdeepparallel\t1\t0\t128700\t31280\t9200
testrtinstrsuspdeepparallel\t1\t0\t128700\t31280\t9200
testrtinstrsuspdeepparallel\t1\t1\t283520\t27260\t9120
testrtinstrsuspdeepparallel\t1\t1\t283520\t27260\t9120
testrtinstrsuspdeepparallel\t1\t2\t541120\t26860\t214200
testrtinstrsuspdeepparallel\t1\t2\t541120\t26860\t214200
testrtinstrsuspdeepparallel\t1\t3\t206300\t25180\t9100
testrtinstrsuspdeepparallel\t1\t3\t206300\t25180\t9100
testrtinstrsuspdeepparallel\t0\t0\t51060\t76960\t6760
testrtinstrsuspdeepparallel\t0\t0\t51060\t76960\t6760
testrtinstrsuspdeepparallel\t0\t1\t361040\t25560\t203720
testrtinstrsuspdeepparallel\t0\t1\t361040\t25560\t203720
testrtinstrsuspdeepserial\t1\t0\t259740\t28140\t214060
testrtinstrsuspdeepserial\t1\t0\t259740\t28140\t214060
testrtinstrsuspdeepserial\t1\t1\t54480\t23060\t8920
testrtinstrsuspdeepserial\t1\t1\t54480\t23060\t8920
testrtinstrsuspdeepserial\t1\t2\t53860\t23200\t8920
testrtinstrsuspdeepserial\t1\t2\t53860\t23200\t8920
testrtinstrsuspdeepserial\t1\t3\t54280\t23340\t9120
testrtinstrsuspdeepserial\t1\t3\t54280\t23340\t9120
testrtinstrsuspdeepserial\t0\t0\t249020\t25600\t204180
testrtinstrsuspdeepserial\t0\t0\t249020\t25600\t204180
testrtinstrsuspdeepserial\t0\t1\t248800\t25660\t203940
testrtinstrsuspdeepserial\t0\t1\t248800\t25660\t203940
testrtinstrcpususpparallel\t1\t0\t209820\t23500\t10700
testrtinstrcpususpparallel\t1\t0\t209820\t23500\t10700
testrtinstrcpususpparallel\t1\t1\t287420\t21920\t11600
testrtinstrcpususpparallel\t1\t1\t287420\t21920\t11600
testrtinstrcpususpparallel\t1\t2\t364080\t20980\t11160
testrtinstrcpususpparallel\t1\t2\t364080\t20980\t11160
testrtinstrcpususpparallel\t1\t3\t441280\t20720\t10980
testrtinstrcpususpparallel\t1\t3\t441280\t20720\t10980
testrtinstrcpususpparallel\t0\t0\t52960\t18920\t9780
testrtinstrcpususpparallel\t0\t0\t52960\t18920\t9780
testrtinstrcpususpparallel\t0\t1\t130940\t19020\t9800
testrtinstrcpususpparallel\t0\t1\t130940\t19020\t9800
testrtinstrcpususpserial\t1\t0\t82460\t20500\t8960
testrtinstrcpususpserial\t1\t0\t82460\t20500\t8960
testrtinstrcpususpserial\t1\t1\t51320\t20400\t9040
testrtinstrcpususpserial\t1\t1\t51320\t20400\t9040
testrtinstrcpususpserial\t1\t2\t51180\t19860\t8980
testrtinstrcpususpserial\t1\t2\t51180\t19860\t8980
testrtinstrcpususpserial\t1\t3\t51220\t20160\t8940
testrtinstrcpususpserial\t1\t3\t51220\t20160\t8940
testrtinstrcpususpserial\t0\t0\t48560\t19260\t6840
testrtinstrcpususpserial\t0\t0\t48560\t19260\t6840
testrtinstrcpususpserial\t0\t1\t48340\t19160\t6760
testrtinstrcpususpserial\t0\t1\t48340\t19160\t6760
testrtinstrcpuoffserial\t1\t0\t260060\t28060\t214080
testrtinstrcpuoffserial\t1\t0\t260060\t28060\t214080
testrtinstrcpuoffserial\t1\t1\t55780\t28100\t9140
testrtinstrcpuoffserial\t1\t1\t55780\t28100\t9140
testrtinstrcpuoffserial\t1\t2\t55620\t26860\t9180
testrtinstrcpuoffserial\t1\t2\t55620\t26860\t9180
testrtinstrcpuoffserial\t1\t3\t55760\t26440\t9260
testrtinstrcpuoffserial\t1\t3\t55760\t26440\t9260
testrtinstrcpuoffserial\t0\t0\t251900\t28880\t204240
testrtinstrcpuoffserial\t0\t0\t251900\t28880\t204240
testrtinstrcpuoffserial\t0\t1\t252440\t29560\t204460
testrtinstrcpuoffserial\t0\t1\t252440\t29560\t204460
testrtinstrpsciversionparallel\t1\t0\t880
testrtinstrpsciversionparallel\t1\t0\t880
testrtinstrpsciversionparallel\t1\t1\t960
testrtinstrpsciversionparallel\t1\t1\t960
testrtinstrpsciversionparallel\t1\t2\t980
testrtinstrpsciversionparallel\t1\t2\t980
testrtinstrpsciversionparallel\t1\t3\t980
testrtinstrpsciversionparallel\t1\t3\t980
testrtinstrpsciversionparallel\t0\t0\t1040
testrtinstrpsciversionparallel\t0\t0\t1040
testrtinstrpsciversionparallel\t0\t1\t1180
testrtinstrpsciversionparallel\t0\t1\t1180
`;

const TITLE = 'Merge "Enabling DPU in dts file for TC0" into integration';
const COMMIT_TAGS = { CommitID: 'ed39d5e3c0', CommitTitle: TITLE };
const TIME = '2020-09-08T14:22:45+00:00';

test('image_size.txt converts to one tfa_image_size point of the tracked images', () => {
  const skipped: string[] = [];
  const payload = imageSizeTextPayload(parseImageSizeText(IMAGE_SIZE, 'image_size.txt'), 'image_size.txt', (n) => skipped.push(n));
  assert.deepEqual(payload, {
    api_version: '1.0',
    metadata: { metrics: 'tfa_image_size' },
    data: [
      {
        measurement: 'zynqmp-tspd-tdram',
        fields: {
          BL31_B: 26676, BL31_D: 14193, BL31_R: 3121, BL31_T: 40916, BL31_W: 516,
          BL32_B: 21512, BL32_D: 5, BL32_R: 1218, BL32_T: 11496, BL32_W: 196,
        },
        tags: { BinMode: 'Debug', ...COMMIT_TAGS },
        time: TIME,
      },
    ],
  });
  assert.deepEqual(skipped, ['cert_header_sa6', 'bootparam_sa0']);
  // Integers stay integer literals on the wire.
  assert.match(serializePayload(payload), /"BL32_D":5[,}]/);
});

test('misra_defects.txt converts to one tfa_misra_defects point', () => {
  assert.deepEqual(misraPayload(parseMisraText(MISRA, 'misra_defects.txt')), {
    api_version: '1.0',
    metadata: { metrics: 'tfa_misra_defects' },
    data: [
      {
        measurement: 'fvp-rst-bl31',
        fields: { TotalDefects: 667, MandatoryDefects: 0, RequiredDefects: 534, AdvisoryDefects: 119 },
        tags: { BinMode: 'Debug', ...COMMIT_TAGS },
        time: TIME,
      },
    ],
  });
});

test('rt_instr.txt converts to one tfa_rtinstr point per sample line', () => {
  const payload = rtInstrPayload(parseRtInstrText(RT_INSTR, 'rt_instr.txt'));
  assert.equal(payload.metadata.metrics, 'tfa_rtinstr');
  const sampleLines = RT_INSTR.split('\n').slice(4).filter((l) => l.trim() !== '');
  assert.equal(payload.data.length, sampleLines.length);
  const target = 'juno-tftf+aarch32-rt32.instr-r2';
  assert.deepEqual(payload.data[0], {
    measurement: target,
    fields: { Latency_EL3Entry_CPUPowerDown: 128700, Latency_CPUWakeup_EL3Exit: 31280, CacheFlush: 9200 },
    tags: { ...COMMIT_TAGS, TC_Name: 'testrtinstrsuspdeepparallel', Cluster_ID: 1, CPU_Core: 0 },
    time: TIME,
  });
  const psci = payload.data.find((d) => d.tags.TC_Name === 'testrtinstrpsciversionparallel' && d.tags.Cluster_ID === 0 && d.tags.CPU_Core === 1);
  assert.deepEqual(psci, {
    measurement: target,
    fields: { Latency_EL3Entry_EL3Exit: 1180 },
    tags: { ...COMMIT_TAGS, TC_Name: 'testrtinstrpsciversionparallel', Cluster_ID: 0, CPU_Core: 1 },
    time: TIME,
  });
  for (const d of payload.data) {
    const keys = Object.keys(d.fields).sort().join(',');
    if (d.tags.TC_Name === 'testrtinstrpsciversionparallel') assert.equal(keys, 'Latency_EL3Entry_EL3Exit');
    else assert.equal(keys, 'CacheFlush,Latency_CPUWakeup_EL3Exit,Latency_EL3Entry_CPUPowerDown');
  }
});

test('BinMode is title-cased', () => {
  assert.equal(titleCase('debug'), 'Debug');
  assert.equal(titleCase('RELEASE'), 'Release');
});

const HEAD5 = 'BuildConfig: fvp\nBinMode: debug\nCommitID: 0123456789abcdef\nCommitTitle: t\nCommitDate: 2020-09-08T14:22:45+00:00\n';

function fails(fn: () => unknown, line: number, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Error, 'an Error');
    assert.match(err.message, new RegExp(`^x\\.txt:${line}: `));
    assert.match(err.message, pattern);
    if (err instanceof CiTextError) assert.equal(err.line, line);
    return true;
  });
}

test('malformed image-size files name the line and what was expected', () => {
  const parse = (t: string) => imageSizeTextPayload(parseImageSizeText(t, 'x.txt'), 'x.txt');
  fails(() => parse(''), 1, /expected "BuildConfig: <value>", found the end of the file/);
  fails(() => parse('BinMode: debug\n'), 1, /expected "BuildConfig: <value>", found "BinMode: debug"/);
  fails(() => parse('BuildConfig: fvp\nBinMode:\n'), 2, /expected a value after "BinMode:"/);
  fails(() => parse(HEAD5.replace('CommitDate: 2020-09-08T14:22:45+00:00', 'CommitDate: yesterday')), 5, /expected a date/);
  fails(() => parse(HEAD5 + 'T 12\n'), 6, /expected a "<path>.elf:" line before/);
  fails(() => parse(HEAD5 + 'a/bl31.elf:\nT 12\nX 4\n'), 8, /unknown section "X" \(expected one of B, D, R, T, V, W\)/);
  fails(() => parse(HEAD5 + 'a/bl31.elf:\nt 12\n'), 7, /unknown section "t"/);
  fails(() => parse(HEAD5 + 'a/bl31.elf:\nT 12k\n'), 7, /expected a byte count after section T, found "12k"/);
  fails(() => parse(HEAD5 + 'a/bl31.elf:\nT 1.5\n'), 7, /expected a byte count/);
  fails(() => parse(HEAD5 + 'a/bl31.elf:\nT 1\nT 2\n'), 8, /section T of bl31 already given/);
  fails(() => parse(HEAD5 + 'a/bl31.elf:\nT 1 2\n'), 7, /expected "<path>.elf:" or "<SECTION> <bytes>"/);
  fails(() => parse(HEAD5 + 'a/bl31.elf:\nT 1\n\nb/bl31.elf:\nT 2\n'), 9, /image bl31 already listed at line 6/);
  assert.throws(() => parse(HEAD5 + 'a/other.elf:\nT 1\n'), /^Error: x\.txt: no section sizes for any tracked image/);
  // CRLF files and blank lines between blocks are fine.
  const ok = parse((HEAD5 + 'a/bl1.elf:\nT 1\n\n\nb/bl2u.elf:\nB 3\n').replaceAll('\n', '\r\n'));
  assert.deepEqual(ok.data[0]?.fields, { BL1_T: 1, BL2U_B: 3 });
  assert.equal(ok.data[0]?.tags.CommitID, '0123456789');
});

test('malformed MISRA files name the line and what was expected', () => {
  const parse = (t: string) => misraPayload(parseMisraText(t, 'x.txt'));
  const counts = 'TotalDefects: 3\nMandatoryDefects: 0\nRequiredDefects: 2\nAdvisoryDefects: 1\n';
  assert.equal(parse(HEAD5 + counts).data[0]?.fields.TotalDefects, 3);
  fails(() => parse(HEAD5 + 'TotalDefects: 3\n'), 7, /expected "MandatoryDefects: <count>", "RequiredDefects: <count>", "AdvisoryDefects: <count>", found the end of the file/);
  fails(() => parse(HEAD5 + 'Total: 3\n'), 6, /expected one of "TotalDefects: <count>"/);
  fails(() => parse(HEAD5 + 'TotalDefects: many\n'), 6, /expected a count after "TotalDefects:", found "many"/);
  fails(() => parse(HEAD5 + 'TotalDefects: 1\nTotalDefects: 2\n'), 7, /TotalDefects already given/);
  fails(() => parse(HEAD5.replace('CommitID', 'Commit')), 3, /expected "CommitID: <value>"/);
});

test('malformed rt_instr files name the line and what was expected', () => {
  const head = 'InstrumentationTarget: juno\nCommitID: abc\nCommitTitle: t\nCommitDate: 2020-09-08 14:22:45 +0100\n';
  const parse = (t: string) => rtInstrPayload(parseRtInstrText(t, 'x.txt'));
  assert.equal(parse(head + 'tc\t0\t1\t5\n').data[0]?.fields.Latency_EL3Entry_EL3Exit, 5);
  fails(() => parse(head), 5, /expected at least one sample line/);
  fails(() => parse(head + 'tc\t0\t1\t5\t6\n'), 5, /expected 4 or 6 columns \(test case, cluster id, CPU core, then 1 latency .* found 5/);
  fails(() => parse(head + 'tc\t0\tx\t5\n'), 5, /expected a number as column 3 \(CPU core\), found "x"/);
  fails(() => parse(head + 'tc\t0\t1\t5\t6\t-7\n'), 5, /expected a number as column 6 \(latency\), found "-7"/);
  fails(() => parse(head.replace('InstrumentationTarget', 'BuildConfig')), 1, /expected "InstrumentationTarget: <value>"/);
});

test('numbers too large to stay exact are refused rather than rounded', () => {
  fails(() => parseImageSizeText(HEAD5 + 'a/bl31.elf:\nT 9007199254740993\n', 'x.txt'), 7, /expected a byte count/);
});
