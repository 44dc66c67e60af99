// `qmb collect complexity` with the real pmccabe over a real git repository's tagged tree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitAt, runQmb, writeFiles } from '../helpers/producer-run.js';

let repo = '';
let work = '';

/** A function with `n` ifs: pmccabe scores it n + 1. */
function ifs(name: string, n: number, prefix = 'int'): string {
  const body = Array.from({ length: n }, (_, i) => `  if (x == ${i}) x += ${i};\n`).join('');
  return `${prefix} ${name}(int x)\n{\n${body}  return x;\n}\n`;
}

/** A 12-case switch: traditional McCabe 13, modified (what we report) 2. */
const SWITCH = `int sw(int x)\n{\n  switch (x) {\n${Array.from({ length: 12 }, (_, i) => `  case ${i}: return ${i};\n`).join('')}  default: return -1;\n  }\n}\n`;

interface Payload {
  metadata: { metrics: string };
  data: Array<{ measurement: string; fields: Record<string, unknown>; tags: Record<string, unknown>; time: string }>;
}

before(async () => {
  repo = await mkdtemp(join(tmpdir(), 'qmb-cx-'));
  work = await mkdtemp(join(tmpdir(), 'qmb-cx-out-'));
  await gitAt(repo, '2021-01-05T10:00:00+00:00', ['init', '-q', '-b', 'main']);
  await writeFiles(repo, { 'src/core.c': ifs('big12', 12) });
  await gitAt(repo, '2021-01-05T10:00:00+00:00', ['add', '-A']);
  await gitAt(repo, '2021-01-05T10:00:00+00:00', ['commit', '-q', '-m', 'one']);
  await gitAt(repo, '2021-01-06T10:00:00+00:00', ['tag', '-a', 'v1.0', '-m', 'v1.0']);
  await writeFiles(repo, {
    'src/core.c': ifs('big12', 12) + ifs('small', 3) + SWITCH,
    'src/util.h': ifs('inline11', 11, 'static inline int'),
    'plat/foo/p.c': ifs('foo_big', 15), // outside TF-A's default scope
    'plat/arm/q.c': ifs('arm_big', 12),
    'docs/notes.txt': 'int not_code(int x) { if (x) if (x) if (x) return 1; return 0; }\n',
  });
  const d = '2021-03-02T09:30:00+01:00';
  await gitAt(repo, d, ['add', '-A']);
  await gitAt(repo, d, ['commit', '-q', '-m', 'two']);
  await gitAt(repo, '2021-03-04T16:00:00+01:00', ['tag', '-a', 'v2.0', '-m', 'v2.0']);
  // Work after the tag must not be scored: the tagged tree is.
  await writeFiles(repo, { 'src/late.c': ifs('late', 20) });
  await gitAt(repo, d, ['add', '-A']);
  await gitAt(repo, d, ['commit', '-q', '-m', 'three']);
  await writeFiles(work, { 'allow.txt': '# reviewed\narm_big\nsrc/core.c:big12   # by path\nsrc/other.c:inline11\n' });
});

after(async () => {
  await rm(repo, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

test('functions over the threshold as stats, the not allow-listed count as tracking', async () => {
  const outDir = join(work, 'out');
  const r = await runQmb(['collect', 'complexity', '--repo', repo, '--tag', 'v2.0', '--allowlist', join(work, 'allow.txt'), '--out-dir', outDir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /complexity: scored 3\/3 files/);
  assert.deepEqual((await readdir(outDir)).sort(), ['tfa_complexity_stats.json', 'tfa_complexity_tracking.json']);
  const stats = JSON.parse(await readFile(join(outDir, 'tfa_complexity_stats.json'), 'utf8')) as Payload;
  const tracking = JSON.parse(await readFile(join(outDir, 'tfa_complexity_tracking.json'), 'utf8')) as Payload;
  const time = '2021-03-04 16:00:00 +0100';
  const tags = { Git_Tag_Date: 20210304, Base_Tag: 'v1.0', Target_Tag: 'v2.0' };
  const byName = new Map(stats.data.map((d) => [d.fields.Function_ID, d]));
  assert.deepEqual([...byName.keys()].sort(), ['arm_big', 'big12', 'inline11']);
  assert.deepEqual(byName.get('big12'), {
    measurement: 'TFA_Complexity_Statistics',
    fields: { Function_ID: 'big12', Score: 13, Whitelisted: 'yes', Threshold: 11 },
    tags: { ...tags, Location: 'src/core.c:1' },
    time,
  });
  assert.deepEqual(byName.get('inline11')?.fields, { Function_ID: 'inline11', Score: 12, Whitelisted: 'no', Threshold: 11 });
  assert.equal(byName.get('inline11')?.tags.Location, 'src/util.h:1');
  assert.equal(byName.get('arm_big')?.fields.Whitelisted, 'yes');
  assert.deepEqual(tracking.data, [
    {
      measurement: 'TFA_Complexity_Tracking',
      fields: { Functions_Exceeding_Threshold_Not_Whitelisted: 1, Whitelisted: 'no', Threshold: 11 },
      tags: { Git_Tag_Date: 20210304, Target_Tag: 'v2.0' },
      time,
    },
  ]);
});

test('stdout carries one payload per line; --threshold and path rules apply', async () => {
  const r = await runQmb(['collect', 'complexity', '--repo', repo, '--tag', 'v2.0', '--threshold', '12', '--include', 'plat', '--exclude', 'plat/arm']);
  assert.equal(r.code, 0, r.stderr);
  const payloads = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Payload);
  assert.deepEqual(payloads.map((p) => p.metadata.metrics), ['tfa_complexity_stats', 'tfa_complexity_tracking']);
  assert.deepEqual(payloads[0]?.data.map((d) => [d.fields.Function_ID, d.fields.Score, d.tags.Location]), [['foo_big', 16, 'plat/foo/p.c:1']]);
  assert.equal(payloads[1]?.data[0]?.fields.Functions_Exceeding_Threshold_Not_Whitelisted, 1);
});

test('without --repo the current directory is the repository; the first release is based on the root commit', async () => {
  const root = (await gitAt(repo, '2021-01-05T10:00:00+00:00', ['rev-list', '--max-parents=0', 'HEAD'])).trim().slice(0, 10);
  const r = await runQmb(['collect', 'complexity', '--tag', 'v2.0'], { cwd: repo });
  assert.equal(r.code, 0, r.stderr);
  // plat/foo/p.c is outside TF-A's default scope: 3 of the 4 .c/.h files are scored.
  assert.match(r.stderr, /^complexity: 1 file dropped by the path filter \(default: --exclude plat --include plat\/arm --include plat\/common\)$/m);
  assert.match(r.stderr, /^complexity: scored 3\/3 files$/m);
  const first = await runQmb(['collect', 'complexity', '--tag', 'v1.0'], { cwd: repo });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`^complexity: no release tag matching .* dated before v1\\.0: the base is the root commit ${root} \\(first release; give --base to choose another\\)$`, 'm'));
  const payloads = first.stdout.trim().split('\n').map((l) => JSON.parse(l) as Payload);
  assert.deepEqual(payloads.find((p) => p.metadata.metrics === 'tfa_complexity_stats')?.data.map((d) => [d.fields.Function_ID, d.tags.Base_Tag]), [['big12', root]]);
});

test('no function over the threshold: tracking alone, with zero', async () => {
  const r = await runQmb(['collect', 'complexity', '--repo', repo, '--tag', 'v1.0', '--base', 'v1.0', '--threshold', '20']);
  assert.equal(r.code, 0, r.stderr);
  const payloads = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Payload);
  assert.deepEqual(payloads.map((p) => p.metadata.metrics), ['tfa_complexity_tracking']);
  assert.equal(payloads[0]?.data[0]?.fields.Functions_Exceeding_Threshold_Not_Whitelisted, 0);
});

test('--project tfm shapes tfm_complexity_stats', async () => {
  const r = await runQmb(['collect', 'complexity', '--repo', repo, '--tag', 'v2.0', '--project', 'tfm', '--include', 'src/core.c']);
  assert.equal(r.code, 0, r.stderr);
  const payloads = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Payload);
  assert.deepEqual(payloads.map((p) => p.metadata.metrics), ['tfm_complexity_stats']);
  assert.deepEqual(payloads[0]?.data[0], {
    measurement: 'TFM_Complexity_Statistics',
    fields: { Function: 'big12', Whitelisted: 'no', Location: 'src/core.c', Score: 13, Threshold: 11 },
    tags: { Git_Tag_Date: '20210304', Target_Tag: 'v2.0', Base_Tag: 'v1.0', Location_Tag: 'src/core.c:1' },
    time: '2021-03-04 16:00:00 +0100',
  });
});

test('a file named like an option is scored, not taken as one of pmccabe\'s options', async () => {
  const dashRepo = await mkdtemp(join(tmpdir(), 'qmb-cx-dash-'));
  try {
    await gitAt(dashRepo, '2021-01-05T10:00:00+00:00', ['init', '-q', '-b', 'main']);
    await writeFiles(dashRepo, { '-v.c': ifs('dashed', 12) });
    await gitAt(dashRepo, '2021-01-05T10:00:00+00:00', ['add', '-A']);
    await gitAt(dashRepo, '2021-01-05T10:00:00+00:00', ['commit', '-q', '-m', 'one']);
    await gitAt(dashRepo, '2021-01-06T10:00:00+00:00', ['tag', '-a', 'v1.0', '-m', 'v1.0']);
    const r = await runQmb(['collect', 'complexity', '--repo', dashRepo, '--tag', 'v1.0', '--base', 'v1.0']);
    assert.equal(r.code, 0, r.stderr);
    const stats = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Payload).find((p) => p.metadata.metrics === 'tfa_complexity_stats');
    assert.ok(stats, r.stdout);
    assert.deepEqual(stats.data.map((d) => [d.fields.Function_ID, d.tags.Location]), [['dashed', '-v.c:1']]);
  } finally {
    await rm(dashRepo, { recursive: true, force: true });
  }
});
