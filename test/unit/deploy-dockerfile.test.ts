// deploy/Dockerfile: multi-stage on a pinned Node 20 image, non-root, health check, volume, port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT as root } from '../helpers/repo.js';

const text = readFileSync(path.join(root, 'deploy', 'Dockerfile'), 'utf8');

/** Instructions with line continuations joined, comments dropped. */
const instructions = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const i = l.indexOf(' ');
    return { op: l.slice(0, i).toUpperCase(), args: l.slice(i + 1).trim() };
  });

const args = new Map<string, string>();
for (const { op, args: a } of instructions) {
  const m = op === 'ARG' ? /^(\w+)=(\S+)$/.exec(a) : null;
  if (m) args.set(m[1] ?? '', m[2] ?? '');
}
const stages = instructions.filter((i) => i.op === 'FROM');
const finalStage = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1]!));

test('multi-stage build on a pinned official Node 20 image', () => {
  assert.ok(stages.length >= 2, 'at least a build and a runtime stage');
  for (const s of stages) {
    const image = (s.args.split(/\s+/)[0] ?? '').replace(/^\$\{(\w+)\}$/, (_, n: string) => args.get(n) ?? '');
    assert.match(image, /^node:20\.\d+\.\d+-[a-z-]+$/, `FROM ${s.args}: not a pinned node:20 tag`);
  }
});

test('the runtime stage holds production dependencies only and the runtime files', () => {
  assert.match(text, /npm prune --omit=dev|npm ci --omit=dev/);
  const copies = finalStage.filter((i) => i.op === 'COPY').map((i) => i.args);
  for (const needed of ['/app/dist/src', '/app/dist/cli', '/app/node_modules', '/app/metrics', '/app/public', '/app/package.json']) {
    assert.ok(copies.some((c) => c.includes(needed)), `runtime stage does not copy ${needed}`);
  }
  assert.ok(!copies.some((c) => /\/app\/(src|test)\b/.test(c)), 'no sources in the runtime stage');
});

test('the build stage builds the single-file CLI that the broker serves at /cli/qmb.mjs, before the dev tools are pruned', () => {
  const build = instructions.slice(0, instructions.indexOf(stages[stages.length - 1]!));
  const runs = build.filter((i) => i.op === 'RUN').map((i) => i.args).join(' && ');
  const bundle = runs.indexOf('node scripts/build-cli.mjs');
  assert.ok(bundle >= 0, 'no RUN node scripts/build-cli.mjs in the build stage');
  assert.ok(bundle < runs.indexOf('npm prune --omit=dev'), 'the CLI is built after esbuild (a dev dependency) was pruned');
  const ignored = readFileSync(path.join(root, 'deploy', 'Dockerfile.dockerignore'), 'utf8').split('\n');
  for (const needed of ['scripts', 'src', 'metrics']) assert.ok(!ignored.includes(needed), `${needed} is left out of the build context`);
});

test('runs as a non-root user, listens on 0.0.0.0:5000, keeps data in a volume', () => {
  const user = finalStage.filter((i) => i.op === 'USER').pop();
  assert.ok(user && !['root', '0'].includes(user.args), 'USER is not root');
  const env = finalStage.filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
  assert.match(env, /QMB_HOST=0\.0\.0\.0/);
  assert.match(env, /QMB_PORT=5000/);
  assert.match(env, /QMB_DATA_DIR=\/data/);
  // Fixed malloc thresholds: freed memory is returned to the system (docs/performance.md); the benchmark starts the broker with this too.
  assert.match(env, /GLIBC_TUNABLES=glibc\.malloc\.trim_threshold=\d+:glibc\.malloc\.mmap_threshold=\d+(\s|$)/);
  assert.ok(finalStage.some((i) => i.op === 'VOLUME' && i.args.includes('/data')));
  assert.ok(finalStage.some((i) => i.op === 'EXPOSE' && i.args === '5000'));
  const cmd = finalStage.filter((i) => i.op === 'CMD').pop();
  assert.deepEqual(JSON.parse(cmd?.args ?? '[]'), ['node', 'dist/src/cli/main.js', 'serve']);
});

test('HEALTHCHECK asks the liveness route /healthz', () => {
  const hc = finalStage.find((i) => i.op === 'HEALTHCHECK');
  assert.ok(hc);
  assert.equal(healthcheckPath(text), '/healthz');
});

test('the build context leaves out local state and secrets', () => {
  const ignore = readFileSync(path.join(root, 'deploy', 'Dockerfile.dockerignore'), 'utf8').split('\n');
  for (const entry of ['node_modules', 'dist', 'data', '.env', '.git']) assert.ok(ignore.includes(entry), `${entry} not ignored`);
});

/** The route the HEALTHCHECK fetches. */
function healthcheckPath(dockerfile: string): string | undefined {
  const line = dockerfile.replace(/\\\n/g, ' ').split('\n').find((l) => l.startsWith('HEALTHCHECK'));
  return /'(\/[a-z]+)'/.exec(line ?? '')?.[1];
}

test('npm start and the systemd unit in docs/deploy.md set the same GLIBC_TUNABLES as the image', () => {
  const image = /GLIBC_TUNABLES=(\S+)/.exec(text)?.[1];
  assert.ok(image, 'the image sets GLIBC_TUNABLES');
  const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start'] ?? '';
  assert.ok(start.includes(`GLIBC_TUNABLES=\${GLIBC_TUNABLES-${image}}`), `npm start: ${start}`);
  const unit = readFileSync(path.join(root, 'docs', 'deploy.md'), 'utf8');
  assert.ok(unit.includes(`Environment=GLIBC_TUNABLES=${image}\n`), 'the systemd unit in docs/deploy.md');
});
