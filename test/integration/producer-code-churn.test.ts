// `qmb collect code-churn` on a real git repository with annotated and lightweight tags.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitAt, lines, runQmb, writeFiles } from '../helpers/producer-run.js';

let repo = '';

before(async () => {
  repo = await mkdtemp(join(tmpdir(), 'qmb-churn-'));
  const d1 = '2020-01-10T09:00:00+01:00';
  await gitAt(repo, d1, ['init', '-q', '-b', 'main']);
  await writeFiles(repo, { 'src/a.c': lines(10), 'plat/foo/x.c': lines(5), 'plat/arm/y.c': lines(3) });
  await gitAt(repo, d1, ['add', '-A']);
  await gitAt(repo, d1, ['commit', '-q', '-m', 'first']);
  // Annotated: its date is the tagger date, five days after the commit.
  await gitAt(repo, '2020-01-15T10:00:00+01:00', ['tag', '-a', 'v1.0', '-m', 'release 1.0']);

  const d2 = '2020-02-01T12:00:00+00:00';
  const a = lines(10).replace('line 5\n', 'line five\nline 5b\n'); // +2 -1
  await writeFiles(repo, {
    'src/a.c': a,
    'plat/foo/z.c': lines(4), // excluded by TF-A's default
    'plat/common/w.c': lines(6), // kept: plat/common
    'docs/readme.txt': lines(1),
    'bin.dat': Buffer.from([0, 1, 2, 0, 3]), // binary: no lines
  });
  await gitAt(repo, d2, ['add', '-A']);
  await gitAt(repo, d2, ['commit', '-q', '-m', 'second']);
  // Lightweight: its date is the commit date. An rc tag on the same commit does not match the pattern.
  await gitAt(repo, d2, ['tag', 'v1.1']);
  await gitAt(repo, d2, ['tag', 'v1.1-rc1']);

  const d3 = '2020-02-20T08:00:00+00:00';
  await writeFiles(repo, { 'src/b.c': lines(7) });
  await gitAt(repo, d3, ['add', '-A']);
  await gitAt(repo, d3, ['commit', '-q', '-m', 'third']);
  await gitAt(repo, '2020-03-01T12:00:00+00:00', ['tag', '-a', 'v1.2', '-m', 'release 1.2']);

  const d4 = '2020-03-01T18:30:00+00:00';
  await writeFiles(repo, { 'plat/arm/y.c': lines(3) + lines(2, 'more') });
  await gitAt(repo, d4, ['add', '-A']);
  await gitAt(repo, d4, ['commit', '-q', '-m', 'fourth']);
  await gitAt(repo, d4, ['tag', 'v1.3']);
});

after(async () => {
  await rm(repo, { recursive: true, force: true });
});

async function churn(args: string[]): Promise<{ item: Record<string, unknown>; metric: string }> {
  const r = await runQmb(['collect', 'code-churn', '--repo', repo, ...args]);
  assert.equal(r.code, 0, r.stderr);
  const payload = JSON.parse(r.stdout) as { metadata: { metrics: string }; data: Array<Record<string, unknown>> };
  assert.equal(payload.data.length, 1);
  return { item: payload.data[0] ?? {}, metric: payload.metadata.metrics };
}

test('lightweight target, annotated base: TF-A default paths, binary files count nothing', async () => {
  const { item, metric } = await churn(['--tag', 'v1.1']);
  assert.equal(metric, 'tfa_code_churn');
  assert.deepEqual(item, {
    measurement: 'TFA_CodeChurn_Tracking',
    fields: { Lines_of_Change: 3 + 6 + 1 },
    tags: { Git_Tag_Date: 20200201, Base_Tag: 'v1.0', Target_Tag: 'v1.1' },
    time: '2020-02-01 12:00:00 +0000',
  });
});

test('an annotated target is dated by its tagger, not its commit', async () => {
  const { item } = await churn(['--tag', 'v1.2']);
  assert.deepEqual(item.tags, { Git_Tag_Date: 20200301, Base_Tag: 'v1.1', Target_Tag: 'v1.2' });
  assert.equal(item.time, '2020-03-01 12:00:00 +0000');
  assert.deepEqual(item.fields, { Lines_of_Change: 7 });
});

test('a release tagged the same day as the target is skipped as base', async () => {
  const { item } = await churn(['--tag', 'v1.3']);
  // v1.2 was tagged on 2020-03-01 too: the base is the release before it.
  assert.deepEqual(item.tags, { Git_Tag_Date: 20200301, Base_Tag: 'v1.1', Target_Tag: 'v1.3' });
  assert.deepEqual(item.fields, { Lines_of_Change: 7 + 2 });
});

test('--include/--exclude replace the default, in the order given', async () => {
  assert.deepEqual((await churn(['--tag', 'v1.1', '--include', 'src'])).item.fields, { Lines_of_Change: 3 });
  assert.deepEqual((await churn(['--tag', 'v1.1', '--exclude', 'docs'])).item.fields, { Lines_of_Change: 3 + 4 + 6 });
  assert.deepEqual((await churn(['--tag', 'v1.1', '--exclude', '**/*.txt', '--exclude', 'plat', '--include', 'plat/foo'])).item.fields, {
    Lines_of_Change: 3 + 4,
  });
});

test('--base, --tag-pattern and --project tfm', async () => {
  const { item, metric } = await churn(['--tag', 'v1.3', '--base', 'v1.0', '--project', 'tfm']);
  assert.equal(metric, 'tfm_code_churn');
  assert.equal(item.measurement, 'TFM_CodeChurn_Tracking');
  // TF-M's tags are all strings; without filters TF-M counts every path.
  assert.deepEqual(item.tags, { Git_Tag_Date: '20200301', Base_Tag: 'v1.0', Target_Tag: 'v1.3' });
  assert.deepEqual(item.fields, { Lines_of_Change: 3 + 4 + 6 + 1 + 7 + 2 });
  const rc = await churn(['--tag', 'v1.2', '--tag-pattern', '^v1\\.1-rc[0-9]+$']);
  assert.equal((rc.item.tags as Record<string, unknown>).Base_Tag, 'v1.1-rc1');
});

test('--out writes the payload to a file; errors are one line', async () => {
  const out = join(repo, '..', `${repo.split('/').pop() ?? 'x'}-out.json`);
  const r = await runQmb(['collect', 'code-churn', '--repo', repo, '--tag', 'v1.1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /code-churn: v1\.0 .* -> v1\.1/);
  const payload = JSON.parse(await readFile(out, 'utf8')) as { data: Array<{ fields: unknown }> };
  assert.deepEqual(payload.data[0]?.fields, { Lines_of_Change: 10 });
  await rm(out, { force: true });

  const missing = await runQmb(['collect', 'code-churn', '--repo', repo, '--tag', 'v9.9']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^qmb: no tag v9\.9 in /);
});

test('without --repo the current directory is the repository; the path filter says what it dropped', async () => {
  const here = await runQmb(['collect', 'code-churn', '--tag', 'v1.1'], { cwd: repo });
  assert.equal(here.code, 0, here.stderr);
  const there = await runQmb(['collect', 'code-churn', '--repo', repo, '--tag', 'v1.1']);
  assert.equal(here.stdout, there.stdout);
  // TF-A's default scope leaves out plat/foo/z.c, one of the five changed files.
  assert.match(here.stderr, /^code-churn: 5 files changed, 10 lines counted$/m);
  assert.match(here.stderr, /^code-churn: 1 file dropped by the path filter \(default: --exclude plat --include plat\/arm --include plat\/common\)$/m);
  const src = await runQmb(['collect', 'code-churn', '--tag', 'v1.1', '--include', 'src'], { cwd: repo });
  assert.match(src.stderr, /^code-churn: 4 files dropped by the path filter \(--include src\)$/m);
  const tfm = await runQmb(['collect', 'code-churn', '--tag', 'v1.1', '--project', 'tfm'], { cwd: repo });
  assert.match(tfm.stderr, /^code-churn: 0 files dropped by the path filter \(no --include or --exclude\)$/m);
});

test('the first release has no earlier release tag: the base is the root commit, and stderr says so', async () => {
  const root = (await gitAt(repo, '2020-01-10T09:00:00+01:00', ['rev-list', '--max-parents=0', 'HEAD'])).trim();
  const first = await runQmb(['collect', 'code-churn', '--repo', repo, '--tag', 'v1.0']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`^code-churn: no release tag matching .* dated before v1\\.0: the base is the root commit ${root.slice(0, 10)} \\(first release; give --base to choose another\\)$`, 'm'));
  const item = (JSON.parse(first.stdout) as { data: Array<Record<string, unknown>> }).data[0];
  // v1.0 is tagged on the root commit itself: nothing changed since.
  assert.deepEqual(item?.fields, { Lines_of_Change: 0 });
  assert.deepEqual(item?.tags, { Git_Tag_Date: 20200115, Base_Tag: root.slice(0, 10), Target_Tag: 'v1.0' });
  // A target further on counts every change since the root commit.
  const later = await churn(['--tag', 'v1.1', '--tag-pattern', '^release-']);
  assert.deepEqual(later.item.fields, { Lines_of_Change: 10 });
  assert.equal((later.item.tags as Record<string, unknown>).Base_Tag, root.slice(0, 10));
});
