// `qmb check` as a CI job runs it: a git repository with main and a feature branch, broker processes on
// the embedded store and on a private influxd, history pushed through POST /api/v1/metrics, heads with
// every outcome, waivers, budgets, outputs for CI (JUnit, Markdown, Gerrit, JSON), exit statuses.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import type { CheckResult } from '../../src/check/result.js';
import { type BrokerProcess, TEST_USERS, startBrokerProcess } from '../helpers/broker.js';
import { type Payload, churn, complexity, day, defects, imageSize, misra, rtinstr, tfmImageSize } from '../helpers/check-data.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { type RunResult, gitAt, runQmb } from '../helpers/producer-run.js';

const SIZES = { BL31_T: 100000, BL31_D: 40000, BL2_T: 30000, BL1_T: 20000, BL32_W: 500 };
const WAIVER_MESSAGE = 'Use the new TF-M partition layout\n\nQuality-Waiver: tfm_image_size **/tfm_s_total: the new partition layout, see T1234\n';

/** Commit names and hashes of the test repository. */
const rev: Record<string, string> = {};
let dir = '';
let repo = '';
let influx: Influx;
const brokers: [string, BrokerProcess][] = [];
let broker: BrokerProcess;

/** What one revision of main stored: `later` are the commits after the branch point, which must not be the baseline. */
function revisionPayloads(commit: string, i: number, later: boolean): Payload[] {
  const bl31 = later ? 200000 : SIZES.BL31_T - (2 - i) * 10;
  return [
    imageSize(commit, [{ measurement: 'fvp-default', binMode: 'Debug', fields: { ...SIZES, BL31_T: bl31 } }], day(i)),
    misra(commit, 'fvp-rst-bl31', later ? { mandatory: 5, required: 20, advisory: 10 } : { mandatory: 0, required: 10, advisory: 5 }, day(i)),
    rtinstr(commit, [
      { tc: 'suspend', core: 0, value: 1000 },
      { tc: 'suspend', core: 0, value: 1005 },
      { tc: 'suspend', core: 0, value: 1010 },
      { tc: 'version', core: 1, value: 2400 },
      { tc: 'version', core: 1, value: 2405 },
      { tc: 'version', core: 1, value: 2410 },
      { tc: 'young', core: 0, value: 50 },
    ], day(i)),
    tfmImageSize(commit, [{ file: 'tfm_s.axf', bss: 1000, data: 200, text: later ? 90000 : 80000 }, { file: 'bl2.axf', bss: 100, data: 20, text: 40000 }], day(i)),
  ];
}

/** The history every broker holds: main's commits except the merge-base (its CI has not stored yet), a release v1, a defects snapshot. */
function history(): Payload[] {
  return [
    ...revisionPayloads(rev['m1'] as string, 1, false),
    ...revisionPayloads(rev['m2'] as string, 2, false),
    ...revisionPayloads(rev['m4'] as string, 4, true),
    ...revisionPayloads(rev['m5'] as string, 5, true),
    complexity('v1', [
      { name: 'f_old', file: 'lib/old.c', score: 15 },
      { name: 'f_keep', file: 'lib/keep.c', score: 12 },
      { name: 'f_low', file: 'lib/low.c', score: 5 },
    ], day(1)),
    churn('v1', 'v0', 4731, day(1)),
    defects('2021-05-01', ['open', 'open', 'closed']),
  ];
}

/** The feature branch's payloads, one file per metric: a change of every kind of the gate's table. */
function headFiles(commit: string): Record<string, Payload> {
  return {
    'image.json': imageSize(commit, [
      { measurement: 'fvp-default', binMode: 'Debug', fields: { BL31_T: 102500, BL31_D: 40000, BL2_T: 30050, BL1_T: 19000 } },
      { measurement: 'fvp-new', binMode: 'Debug', fields: { BL31_T: 1 } },
    ], day(20)),
    'misra.json': misra(commit, 'fvp-rst-bl31', { mandatory: 1, required: 9, advisory: 7 }, day(20)),
    'rtinstr.json': rtinstr(commit, [{ tc: 'suspend', core: 0, value: 1200 }, { tc: 'version', core: 1, value: 2405 }, { tc: 'young', core: 0, value: 50 }, { tc: 'fresh', core: 0, value: 1 }], day(20)),
    'tfm.json': tfmImageSize(commit, [{ file: 'tfm_s.axf', bss: 1000, data: 200, text: 82000 }, { file: 'bl2.axf', bss: 100, data: 20, text: 39000 }], day(20)),
    'complexity.json': complexity('v2', [
      { name: 'f_keep', file: 'lib/keep.c', score: 13 },
      { name: 'f_new', file: 'lib/new.c', score: 20 },
    ], day(20)),
    'churn.json': churn('v2', 'v1', 5000, day(20)),
    'defects.json': defects('2021-06-02', ['open', 'open', 'open', 'fixed']),
  };
}

const HEAD_FILES = ['image.json', 'misra.json', 'rtinstr.json', 'tfm.json', 'complexity.json', 'churn.json', 'defects.json'];

async function commit(name: string, i: number, message: string): Promise<void> {
  const date = `2024-01-${String(i).padStart(2, '0')}T12:00:00Z`;
  await writeFile(join(repo, 'work.txt'), `${name}\n`);
  await gitAt(repo, date, ['add', 'work.txt']);
  await gitAt(repo, date, ['commit', '-q', '-m', message]);
  rev[name] = (await gitAt(repo, date, ['rev-parse', 'HEAD'])).trim();
}

/** Runs `qmb check ...` in the repository against `b` (default: the embedded broker); the CI's own step summary is kept out. */
function qmb(args: string[], options: { broker?: BrokerProcess; env?: Record<string, string>; input?: string } = {}): Promise<RunResult> {
  const b = options.broker ?? broker;
  return runQmb(['check', ...args], {
    cwd: repo,
    env: { QMB_URL: b.url, QMB_TOKEN: b.token(), GITHUB_STEP_SUMMARY: '', ...options.env },
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

const at = (name: string): string => join(dir, name);
const short = (name: string): string => (rev[name] as string).slice(0, 7);
const HEAD = (): string[] => HEAD_FILES.map(at);

async function post(b: BrokerProcess, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${b.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${b.token()}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

async function getJson(b: BrokerProcess, path: string): Promise<unknown> {
  const res = await fetch(`${b.url}${path}`, { headers: { authorization: `Bearer ${b.token()}` } });
  assert.equal(res.status, 200, path);
  return res.json();
}

/** The table rows `qmb check` printed: `metric series` -> outcome. */
function printed(stdout: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s+(?:\S+ %|-)\s+(\S+)\s/.exec(line);
    if (m && m[1] !== 'metric') rows.set(`${m[1]} ${m[2]}`, m[3] as string);
  }
  return rows;
}

const EXPECTED: Record<string, string> = {
  'tfa_image_size fvp-default/Debug/BL31_total': 'fail',
  'tfa_image_size fvp-default/Debug/BL31_T': 'warn',
  'tfa_image_size fvp-default/Debug/BL2_T': 'warn',
  'tfa_image_size fvp-default/Debug/BL2_total': 'warn',
  'tfa_image_size fvp-default/Debug/BL1_T': 'improved',
  'tfa_image_size fvp-default/Debug/BL1_total': 'improved',
  'tfa_image_size fvp-default/Debug/BL32_W': 'removed',
  'tfa_image_size fvp-new/Debug/BL31_T': 'new',
  'tfa_misra_defects fvp-rst-bl31/Debug/MandatoryDefects': 'fail',
  'tfa_misra_defects fvp-rst-bl31/Debug/RequiredDefects': 'improved',
  'tfa_misra_defects fvp-rst-bl31/Debug/AdvisoryDefects': 'warn',
  'tfa_misra_defects fvp-rst-bl31/Debug/TotalDefects': 'info',
  'tfa_rtinstr juno-tftf+aarch64-rt64.instr-r2/suspend/0/0/Latency_EL3Entry_EL3Exit': 'warn',
  'tfa_rtinstr juno-tftf+aarch64-rt64.instr-r2/young/0/0/Latency_EL3Entry_EL3Exit': 'insufficient-history',
  'tfa_rtinstr juno-tftf+aarch64-rt64.instr-r2/fresh/0/0/Latency_EL3Entry_EL3Exit': 'new',
  'tfm_image_size AN521/GNUARM/Release/ConfigDefault/tfm_s_total': 'waived',
  'tfm_image_size AN521/GNUARM/Release/ConfigDefault/tfm_s_t': 'warn',
  'tfm_image_size AN521/GNUARM/Release/ConfigDefault/bl2_t': 'improved',
  'tfm_image_size AN521/GNUARM/Release/ConfigDefault/bl2_total': 'improved',
  'tfa_complexity_stats lib/new.c/f_new': 'fail',
  'tfa_complexity_stats lib/keep.c/f_keep': 'warn',
  'tfa_complexity_stats lib/old.c/f_old': 'improved',
  'tfa_complexity_stats lib/low.c/f_low': 'removed',
  'tfa_code_churn TFA_CodeChurn_Tracking/Lines_of_Change': 'info',
  'tfa_defects_stats open': 'info',
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qmb-check-cli-'));
  repo = join(dir, 'repo');
  await mkdir(repo);
  await gitAt(repo, '2024-01-01T12:00:00Z', ['init', '-q', '-b', 'main']);
  await commit('m1', 1, 'm1');
  await commit('m2', 2, 'm2');
  await commit('m3', 3, 'm3');
  await gitAt(repo, '2024-01-03T12:00:00Z', ['checkout', '-q', '-b', 'feature']);
  await commit('f1', 6, 'Prepare the new layout');
  await commit('f2', 7, WAIVER_MESSAGE);
  await gitAt(repo, '2024-01-07T12:00:00Z', ['checkout', '-q', 'main']);
  await commit('m4', 4, 'm4');
  await commit('m5', 5, 'm5');
  await gitAt(repo, '2024-01-07T12:00:00Z', ['checkout', '-q', 'feature']);
  for (const [name, payload] of Object.entries(headFiles(rev['f2'] as string))) await writeFile(at(name), JSON.stringify(payload));

  influx = await startInflux();
  brokers.push(['embedded', await startBrokerProcess()], ['influxdb', await startBrokerProcess({ QMB_INFLUX_URL: influx.url })]);
  broker = (brokers[0] as [string, BrokerProcess])[1];
  for (const [, b] of brokers) for (const p of history()) assert.equal(await post(b, '/api/v1/metrics?wait=10', p), 201);
});

after(async () => {
  for (const [, b] of brokers) {
    await b.stop();
    b.cleanup();
  }
  await influx?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('qmb check', () => {
  it('gates a feature branch against its merge-base on both stores: every outcome, the commit message waiver, exit 1', async () => {
    const outputs: string[] = [];
    for (const [name, b] of brokers) {
      const summary = at(`summary-${name}.md`);
      await writeFile(summary, '## Build\n\nbuilt fine\n');
      const files = { junit: at(`report-${name}.xml`), json: at(`answer-${name}.json`), gerrit: at(`review-${name}.json`) };
      const r = await qmb(
        [...HEAD(), '--baseline-git', 'main', '--baseline', 'v1', '--summary', summary, '--junit', files.junit, '--json', files.json, '--gerrit', files.gerrit, '--gerrit-label', 'Verified'],
        { broker: b, env: { QMB_PUBLIC_URL: 'https://qmb.example.org/' } },
      );
      assert.equal(r.code, 1, `${name}: ${r.stdout}${r.stderr}`);
      const lines = r.stdout.split('\n');
      // The merge-base m3 has no data yet: the baseline is m2, one commit behind; m4 and m5 (main after the branch point) are not used.
      assert.match(
        lines[0] ?? '',
        new RegExp(
          `^qmb check: FAIL: 3 regressions, 7 warnings, 1 waived, 6 improvements, 3 new, 3 removed, 1 without enough history, 5 info, 6 unchanged; baseline ${short('m2')} \\(1 commit behind\\), also v1$`,
        ),
      );
      const rows = printed(r.stdout);
      for (const [k, v] of Object.entries(EXPECTED)) assert.equal(rows.get(k), v, `${name}: ${k}\n${r.stdout}`);
      assert.equal([...rows.values()].includes('pass'), false, 'pass rows are not in the table');
      assert.match(r.stdout, /fail +builtin: image total > 1 % and > 1024 B\n/);
      assert.match(r.stdout, /waived +builtin: image total > 1 % and > 1024 B; waived: the new partition layout, see T1234\n/);

      const answer = JSON.parse(await readFile(files.json, 'utf8')) as CheckResult;
      assert.equal(typeof answer.id, 'number');
      assert.equal(lines.filter((l) => l !== '').at(-1), `https://qmb.example.org/dashboard/#/check?id=${answer.id}`);
      assert.deepEqual(answer.baseline, { revisions: [rev['m2'], 'v1'], candidates_skipped: 1 });
      assert.deepEqual(answer.waivers, [{ text: 'tfm_image_size **/tfm_s_total: the new partition layout, see T1234', used: true }]);
      const bl31 = answer.rows.find((x) => x.metric === 'tfa_image_size' && x.series['field'] === 'BL31_total');
      assert.deepEqual([bl31?.base, bl31?.head, bl31?.baseline_revision], [140000, 142500, rev['m2']]);
      // --json is the API's answer as is, and the check is recorded.
      assert.deepEqual(await getJson(b, `/api/v1/checks/${answer.id}`), answer);
      for (const outcome of ['fail', 'warn', 'waived', 'insufficient-history', 'new', 'removed', 'improved', 'info', 'pass'] as const) {
        assert.ok(answer.counts[outcome] > 0, `${name}: some row is ${outcome}`);
      }

      // JUnit: one suite per metric, one case per row; fail is a failure, new and insufficient-history are skipped.
      const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (tag) => tag === 'testsuite' || tag === 'testcase' }).parse(
        await readFile(files.junit, 'utf8'),
      ) as { testsuites: { testsuite: { '@_name': string; testcase: Record<string, unknown>[] }[] } };
      const suites = xml.testsuites.testsuite;
      assert.deepEqual(suites.map((s) => s['@_name']).sort(), [...new Set(answer.rows.map((x) => x.metric))].sort());
      const cases: Record<string, unknown>[] = suites.flatMap((s) => s.testcase);
      assert.equal(cases.length, answer.rows.length);
      const failures = cases.filter((c) => 'failure' in c).map((c) => `${String(c['@_classname'])} ${String(c['@_name'])}`);
      assert.deepEqual(failures.sort(), ['tfa_complexity_stats lib/new.c/f_new', 'tfa_image_size fvp-default/Debug/BL31_total', 'tfa_misra_defects fvp-rst-bl31/Debug/MandatoryDefects']);
      const skipped = cases.filter((c) => 'skipped' in c).length;
      assert.equal(skipped, answer.counts.new + answer.counts['insufficient-history']);
      const young = cases.find((c) => String(c['@_name']).includes('/young/'));
      assert.equal(young?.['@_classname'], 'tfa_rtinstr');
      assert.ok(young && 'skipped' in young);

      // The summary is appended after the earlier step's, with the failing rows in its table.
      const md = await readFile(summary, 'utf8');
      assert.ok(md.startsWith('## Build\n\nbuilt fine\n'));
      assert.match(md, /### ❌ qmb check: FAIL: 3 regressions/);
      assert.match(md, /\| tfa_image_size \| fvp-default\/Debug\/BL31_total \| 140000 \| 142500 \| \+2500 \| \+1\.79 % \| fail \| builtin: image total &gt; 1 % and &gt; 1024 B \|/);
      assert.match(md, /\| tfa_misra_defects \| fvp-rst-bl31\/Debug\/MandatoryDefects \| 0 \| 1 \| \+1 \| - \| fail \|/);
      assert.match(md, /\| tfa_complexity_stats \| lib\/new\.c\/f_new \| .* \| fail \|/);
      assert.match(md, /<details><summary>\d+ unchanged rows<\/summary>/);
      assert.ok(md.includes(`(https://qmb.example.org/dashboard/#/check?id=${answer.id})`));

      const review = JSON.parse(await readFile(files.gerrit, 'utf8')) as { message: string; labels?: Record<string, number>; tag: string };
      assert.deepEqual(review.labels, { Verified: -1 });
      assert.equal(review.message.split('\n')[0], lines[0]);
      outputs.push(r.stdout.replace(/id=\d+/g, 'id=N'));
    }
    assert.equal(outputs[0], outputs[1], 'the same check on the embedded store and on InfluxDB');
  });

  it('waivers: --waivers-from-git of a commit without any, a --waiver option, an unused one, a malformed one', async () => {
    const plain = await qmb([...HEAD(), '--baseline-git', 'main', '--baseline', 'v1', '--waivers-from-git', 'HEAD~1', '--no-record']);
    assert.equal(plain.code, 1, plain.stderr);
    assert.equal(printed(plain.stdout).get('tfm_image_size AN521/GNUARM/Release/ConfigDefault/tfm_s_total'), 'fail');

    const waived = await qmb([
      at('image.json'),
      '--baseline-git', 'main',
      '--waiver', 'tfa_image_size fvp-default/*/BL31_total: mbedTLS 3 is larger',
      '--waiver', 'tfa_misra_defects **: nothing to waive',
      '--no-record',
    ]);
    // The only regression is waived: the verdict is warn, and the job passes.
    assert.equal(waived.code, 0, waived.stdout + waived.stderr);
    assert.match(waived.stdout.split('\n')[0] ?? '', /^qmb check: WARN: 0 regressions, 3 warnings, 1 waived, /);
    assert.match(waived.stdout, /waived +builtin: image total > 1 % and > 1024 B; waived: mbedTLS 3 is larger\n/);
    assert.match(waived.stdout, /\nunused waiver: tfa_misra_defects \*\*: nothing to waive\n/);
    // --no-record: no link.
    assert.doesNotMatch(waived.stdout, /dashboard/);

    const bad = await qmb([at('image.json'), '--baseline-git', 'main', '--waiver', 'tfa_image_size no reason']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^qmb check: --waiver: waiver "tfa_image_size no reason" must read "<metric> <series glob>: <reason>"/);
  });

  it('budgets tighten and loosen the builtin rules', async () => {
    const tight = at('tight.yaml');
    await writeFile(tight, 'rules:\n  - metric: tfa_misra_defects\n    match: { field: AdvisoryDefects }\n    max_increase: 0\n    severity: fail\n');
    const t = await qmb([at('misra.json'), '--baseline-git', 'main', '--budgets', tight, '--no-record']);
    assert.equal(t.code, 1, t.stdout + t.stderr);
    assert.match(t.stdout, /tfa_misra_defects +fvp-rst-bl31\/Debug\/AdvisoryDefects +5 +7 +\+2 +\+40 % +fail +budgets rule 1 \(tfa_misra_defects field=AdvisoryDefects\): > 0\n/);

    const loose = at('loose.json');
    await writeFile(loose, JSON.stringify({ defaults: 'none', rules: [{ metric: '*_image_size', match: { field: '*_total' }, max_increase_bytes: 4096 }] }));
    const l = await qmb([at('image.json'), '--baseline-git', 'main', '--budgets', loose, '--no-record']);
    assert.equal(l.code, 0, l.stdout + l.stderr);
    assert.match(l.stdout.split('\n')[0] ?? '', /^qmb check: PASS: 0 regressions, 0 warnings, /);
    // Within the budget: a pass row, so not in the table; the decrease is still improved.
    assert.equal(printed(l.stdout).has('tfa_image_size fvp-default/Debug/BL31_total'), false);
    assert.equal(printed(l.stdout).get('tfa_image_size fvp-default/Debug/BL1_T'), 'improved');
  });

  it('a malformed budgets file is a usage error naming the JSON Pointer and the line (exit 2), checked here and by the broker', async () => {
    const bad = at('bad.yaml');
    await writeFile(bad, 'rules:\n  - metric: tfa_image_size\n    max_increase_bytes: lots\n    severity: fatal\n');
    const r = await qmb([at('image.json'), '--baseline-git', 'main', '--budgets', bad]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /the budgets file .*bad\.yaml is not valid/);
    assert.match(r.stderr, /bad\.yaml: \/rules\/0\/max_increase_bytes: must be number, got string \(line 3\)\n/);
    assert.match(r.stderr, /bad\.yaml: \/rules\/0\/severity: must be one of "fail", "warn", "info" \(line 4\)\n/);

    const syntax = at('syntax.yaml');
    await writeFile(syntax, 'rules:\n  - metric: tfa_image_size\n  max_increase: 1\n    oops\n');
    const s = await qmb([at('image.json'), '--baseline-git', 'main', '--budgets', syntax]);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /syntax\.yaml: \/: line \d+, column \d+: /);

    // Only the broker knows its metrics: a rule for none of them is refused there, and named in the file.
    const unknown = at('unknown.yaml');
    await writeFile(unknown, 'rules:\n  - metric: tfa_imagesize\n    max_increase_bytes: 1\n');
    const u = await qmb([at('image.json'), '--baseline-git', 'main', '--budgets', unknown]);
    assert.equal(u.code, 2, u.stdout + u.stderr);
    assert.match(u.stderr, /the broker refused the check: 400 BUDGETS_INVALID /);
    assert.match(u.stderr, /unknown\.yaml: \/rules\/0\/metric: "tfa_imagesize" matches no metric/);
  });

  it('no baseline: exit 0, and 3 with --require-baseline', async () => {
    const r = await qmb([at('image.json'), '--baseline', 'deadbeef,cafe', '--no-record']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0] ?? '', /^qmb check: NO-BASELINE: 0 regressions, 0 warnings, 0 improvements, \d+ new, 0 unchanged; no baseline: no candidate revision holds any series of the head$/);
    const required = await qmb([at('image.json'), '--baseline', 'deadbeef', '--baseline', 'cafe', '--require-baseline', '--no-record']);
    assert.equal(required.code, 3);
    assert.match(required.stderr, /no baseline, and --require-baseline was given/);
  });

  it('a broker that cannot be reached, a refused token: exit 2, never 1', async () => {
    const port = await freePort();
    const r = await qmb([...HEAD(), '--baseline-git', 'main', '--url', `http://127.0.0.1:${port}`, '--retries', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^qmb check: cannot reach the broker: no answer from http:\/\/127\.0\.0\.1:\d+ after 1 attempt\(s\)/);
    const token = await qmb([at('image.json'), '--baseline-git', 'main', '--token', 'not-a-token']);
    assert.equal(token.code, 2);
    assert.match(token.stderr, /the broker refused the check: 401 TOKEN_INVALID/);
  });

  it('recording needs a user who may write every metric of the head; --no-record checks with any token', async () => {
    const tfa = broker.token('tfa');
    const r = await qmb([at('image.json'), at('tfm.json'), '--baseline-git', 'main'], { env: { QMB_TOKEN: tfa } });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /the broker refused the check: 403 METRIC_FORBIDDEN /);
    assert.match(r.stderr, /tfm\.json: \/metadata\/metrics: not in the metrics this user may write/);
    assert.match(r.stderr, /--no-record/);
    const ok = await qmb([at('image.json'), at('tfm.json'), '--baseline-git', 'main', '--no-record', '--waivers-from-git', 'HEAD~1'], { env: { QMB_TOKEN: tfa } });
    assert.equal(ok.code, 1, ok.stderr);
  });

  it('logs in with --user and the password on stdin', async () => {
    const ci = TEST_USERS[0] as { name: string; password: string };
    const r = await qmb([at('misra.json'), '--baseline-git', 'main', '--user', ci.name, '--no-record'], { env: { QMB_TOKEN: '' }, input: `${ci.password}\n` });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^qmb check: FAIL: 1 regression, 1 warning, 1 improvement, /);
  });

  it('--push stores the payloads after checking; --head REV then checks what the broker holds', async () => {
    // The first feature commit's image sizes: not stored yet.
    const file = at('f1-image.json');
    await writeFile(file, JSON.stringify(imageSize(rev['f1'] as string, [{ measurement: 'fvp-default', binMode: 'Debug', fields: { ...SIZES, BL31_T: 100100 } }], day(19))));
    const r = await qmb([file, '--baseline-git', 'main', '--push', '--no-record']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^qmb check: WARN: /);
    assert.match(r.stdout, new RegExp(`\n${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: accepted id=\\d+ points=1\n$`));
    await waitFor(async () => {
      const rows = (await getJson(broker, `/api/v1/databases/TFA_ImageSize/rows?measurement=fvp-default&tag.CommitID=${rev['f1']}`)) as { rows: unknown[] };
      return rows.rows.length === 1;
    }, 15_000, 'the pushed payload to be delivered');
    const again = await qmb(['--head', rev['f1'] as string, '--baseline-git', 'main', '--no-record']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, r.stdout.slice(0, r.stdout.lastIndexOf('\n\n') + 1));
    assert.match(again.stdout, /tfa_image_size +fvp-default\/Debug\/BL31_T +100000 +100100 +\+100 +\+0\.1 % +warn/);

    const unknown = await qmb(['--head', 'no-such-revision', '--baseline-git', 'main', '--no-record']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--head no-such-revision: the broker holds no points of revision "no-such-revision"/);
  });

  it('bad payload files and usage errors exit 2 and say what is wrong', async () => {
    const bad = at('bad-payload.json');
    await writeFile(bad, JSON.stringify({ api_version: '1.0', metadata: { metrics: 'tfa_misra_defects' }, data: [{ measurement: 'x', tags: {}, fields: {} }] }));
    const r = await qmb([at('image.json'), bad, '--baseline-git', 'main']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /the broker refused the check: 400 SCHEMA_VIOLATION .*bad-payload\.json: payload does not match the schema of "tfa_misra_defects"/);
    assert.match(r.stderr, /\n {2}.*bad-payload\.json: \/data\/0\/time: required property "time" is missing\n/);

    const notJson = at('not.json');
    await writeFile(notJson, 'BL31 grew\n');
    const n = await qmb([notJson, '--baseline-git', 'main']);
    assert.equal(n.code, 2);
    assert.match(n.stderr, /not\.json is not a JSON payload: /);

    // Several payloads in one file, one per line (what --out of the collect verbs writes), are read too.
    const lines = at('lines.jsonl');
    await writeFile(lines, `${await readFile(at('image.json'), 'utf8')}\n${await readFile(at('misra.json'), 'utf8')}\n`);
    const l = await qmb([lines, '--baseline-git', 'main', '--no-record', '--waivers-from-git', 'HEAD~1']);
    assert.equal(l.code, 1, l.stderr);
    assert.equal(printed(l.stdout).get('tfa_misra_defects fvp-rst-bl31/Debug/MandatoryDefects'), 'fail');

    const usage: [string[], RegExp][] = [
      [['--baseline-git', 'main'], /nothing to check: give payload files/],
      [[at('image.json')], /give --baseline-git REF \(e\.g\. origin\/main\) or --baseline/],
      [[at('image.json'), '--head', 'x', '--baseline', 'y'], /payload files or --head REV, not both/],
      [['--head', 'x', '--baseline', 'y', '--push'], /--push needs payload files/],
      [[at('image.json'), '--baseline', 'y', '--gerrit-label', 'Verified'], /--gerrit-label needs --gerrit FILE/],
      [[at('image.json'), '--baseline-git', 'no-such-branch'], /--baseline-git no-such-branch: git merge-base failed/],
      [[at('image.json'), '--baseline', 'y', '--bogus'], /unknown option '--bogus'/],
      [[at('missing.json'), '--baseline', 'y'], /cannot read .*missing\.json: no such file/],
    ];
    for (const [args, message] of usage) {
      const u = await qmb(args);
      assert.equal(u.code, 2, `${args.join(' ')}: ${u.stdout}${u.stderr}`);
      assert.match(u.stderr, message, args.join(' '));
    }
    assert.equal((await qmb(['--help'])).code, 0);
  });

  it('GITHUB_STEP_SUMMARY is appended to when --summary is not given; a passing check votes +1', async () => {
    const summary = at('step-summary.md');
    await writeFile(summary, '');
    const gerrit = at('review-pass.json');
    const a = await qmb([at('churn.json'), '--baseline', 'v1', '--no-record', '--gerrit', gerrit, '--gerrit-label', 'Code-Review'], { env: { GITHUB_STEP_SUMMARY: summary } });
    assert.equal(a.code, 0, a.stderr);
    const b = await qmb([at('image.json'), '--baseline-git', 'main', '--no-record'], { env: { GITHUB_STEP_SUMMARY: summary } });
    assert.equal(b.code, 1, b.stderr);
    const md = await readFile(summary, 'utf8');
    assert.equal(md.match(/^### /gm)?.length, 2);
    assert.match(md, /^### ✅ qmb check: PASS: /);
    assert.match(md, /\n### ❌ qmb check: FAIL: 1 regression, /);
    assert.match(md, /\| tfa_image_size \| fvp-default\/Debug\/BL31_total \| 140000 \| 142500 \| \+2500 \| \+1\.79 % \| fail \|/);
    const review = JSON.parse(await readFile(gerrit, 'utf8')) as { labels?: Record<string, number> };
    assert.deepEqual(review.labels, { 'Code-Review': 1 });
  });
});
