// The single-file CLI as a CI job gets it: built by scripts/build-cli.mjs, fetched from the broker's GET /cli/qmb.mjs,
// run with plain `node` from folders without node_modules: --version, validate offline (built-in and
// QMB_METRICS_DIR metrics), push with the change against the previous revision (embedded store and influxd), check.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';
import { type Payload, day, defects, imageSize, misra } from '../helpers/check-data.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { type RunResult, gitAt, runQmb } from '../helpers/producer-run.js';
import { REPO_ROOT } from '../helpers/repo.js';

const BUILT = join(REPO_ROOT, 'dist', 'cli', 'qmb.mjs');
const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

let dir = '';
/** A folder holding nothing but the built file. */
let lone = '';
/** A folder holding nothing but what the broker served. */
let served = '';
let influx: Influx;
const brokers: [string, BrokerProcess][] = [];
let broker: BrokerProcess;

/** Runs `node <file> ...args` in `cwd`, with no QMB_* variable and no NODE_PATH to find packages by. */
function runNode(file: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('QMB_') && k !== 'NODE_PATH' && k !== 'GITHUB_STEP_SUMMARY') env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { cwd: options.cwd, env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The folder and every one above it: none may hold a node_modules that the bundle could load from. */
function assertNoNodeModulesAbove(folder: string): void {
  for (let d = folder; ; d = dirname(d)) {
    assert.equal(existsSync(join(d, 'node_modules')), false, `${d} has a node_modules`);
    if (d === parse(d).root) break;
  }
}

async function post(b: BrokerProcess, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${b.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${b.token()}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

const SIZES = { BL31_T: 100000, BL31_D: 40000, BL2_T: 30000 };

/** Two revisions of main and a defects snapshot, oldest first. */
function history(): Payload[] {
  return [
    imageSize('aaaaaaaaaa1', [{ measurement: 'fvp-default', binMode: 'Debug', fields: { ...SIZES, BL31_T: 99000 } }], day(1)),
    imageSize('bbbbbbbbbb2', [{ measurement: 'fvp-default', binMode: 'Debug', fields: SIZES }], day(2)),
    // A release build only at the first revision: the debug build's previous revision is still the second.
    imageSize('aaaaaaaaaa1', [{ measurement: 'fvp-default', binMode: 'Release', fields: SIZES }], day(1)),
    misra('aaaaaaaaaa1', 'fvp-rst-bl31', { mandatory: 0, required: 10, advisory: 5 }, day(1)),
    misra('bbbbbbbbbb2', 'fvp-rst-bl31', { mandatory: 0, required: 10, advisory: 5 }, day(2)),
    defects('2021-05-01T10:00:00Z', ['open', 'open', 'closed']),
  ];
}

before(async () => {
  const build = await runNode(join(REPO_ROOT, 'scripts', 'build-cli.mjs'), [], { cwd: REPO_ROOT });
  assert.equal(build.code, 0, build.stdout + build.stderr);
  dir = await mkdtemp(join(tmpdir(), 'qmb-cli-bundle-'));
  lone = join(dir, 'lone');
  served = join(dir, 'served');
  await mkdir(lone);
  await mkdir(served);
  await copyFile(BUILT, join(lone, 'qmb.mjs'));
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

describe('the single-file CLI', () => {
  it('holds no native module and runs with plain node from a folder without node_modules', async () => {
    assertNoNodeModulesAbove(lone);
    assert.deepEqual(await readdir(lone), ['qmb.mjs']);
    const text = await readFile(join(lone, 'qmb.mjs'), 'utf8');
    assert.doesNotMatch(text, /better-sqlite3/);
    assert.doesNotMatch(text, /require\(\s*["'][^"']*\.node["']\s*\)/);
    assert.match(text, /^#!\/usr\/bin\/env node\n/);

    const v = await runNode('qmb.mjs', ['--version'], { cwd: lone });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout, `${version}\n`);
    const help = await runNode('qmb.mjs', ['--help'], { cwd: lone });
    assert.equal(help.code, 0, help.stderr);
    const verbs = [...help.stdout.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);
    assert.deepEqual(verbs.sort(), ['check', 'collect', 'convert', 'help', 'push', 'validate']);
    assert.deepEqual(await readdir(lone), ['qmb.mjs'], 'it wrote nothing beside itself');
  });

  it('validates offline with the metric definitions it carries, with the messages of the full CLI', async () => {
    const files: string[] = [];
    const fixtures = join(REPO_ROOT, 'test', 'fixtures', 'payloads');
    for (const name of (await readdir(fixtures)).sort()) {
      const table = JSON.parse(await readFile(join(fixtures, name), 'utf8')) as Record<'valid' | 'invalid', { payload: unknown }[]>;
      for (const kind of ['valid', 'invalid'] as const) {
        for (const [i, entry] of table[kind].entries()) {
          const file = `${name.replace(/\.json$/, '')}-${kind}-${i}.json`;
          await writeFile(join(lone, file), JSON.stringify(entry.payload));
          files.push(file);
        }
      }
    }
    const bundled = await runNode('qmb.mjs', ['validate', ...files], { cwd: lone });
    const full = await runQmb(['validate', ...files], { cwd: lone });
    assert.equal(bundled.code, 1);
    assert.equal(bundled.stdout, full.stdout);
    assert.equal(bundled.stderr, full.stderr);
    const verdicts = bundled.stdout.split('\n').filter((l) => /^\S+\.json: /.test(l));
    assert.equal(verdicts.length, files.length);
    for (const l of verdicts) assert.match(l, /-valid-\d+\.json: ok metric=\w+ database=\w+ points=\d+|-invalid-\d+\.json: invalid [A-Z_]+: /, l);
    for (const f of files) await rm(join(lone, f));
  });

  it('validates payloads of a metric from QMB_METRICS_DIR too', async () => {
    const metrics = join(dir, 'metrics', 'team_footprint');
    mkdirSync(metrics, { recursive: true });
    await writeFile(join(metrics, 'metric.json'), JSON.stringify({ name: 'team_footprint', database: 'Team_Footprint', converter: 'points' }));
    await writeFile(
      join(metrics, 'schema-1.0.json'),
      JSON.stringify({
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        required: ['api_version', 'metadata', 'data'],
        properties: {
          data: {
            type: 'array',
            items: { type: 'object', required: ['measurement', 'fields'], properties: { measurement: { type: 'string' }, fields: { type: 'object', properties: { Bytes: { type: 'integer' } }, additionalProperties: false } } },
          },
        },
      }),
    );
    const ok = { api_version: '1.0', metadata: { metrics: 'team_footprint' }, data: [{ measurement: 'board', fields: { Bytes: 5 }, time: '2024-01-01T00:00:00Z' }] };
    const bad = { ...ok, data: [{ measurement: 'board', fields: { Kilobytes: 5 }, time: '2024-01-01T00:00:00Z' }] };
    await writeFile(join(lone, 'ok.json'), JSON.stringify(ok));
    await writeFile(join(lone, 'bad.json'), JSON.stringify(bad));
    const without = await runNode('qmb.mjs', ['validate', 'ok.json'], { cwd: lone });
    assert.equal(without.code, 1);
    assert.match(without.stdout, /^ok\.json: invalid UNKNOWN_METRIC: /);
    const r = await runNode('qmb.mjs', ['validate', 'ok.json', 'bad.json'], { cwd: lone, env: { QMB_METRICS_DIR: join(dir, 'metrics') } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^ok\.json: ok metric=team_footprint database=Team_Footprint points=1\n/);
    assert.match(r.stdout, /\nbad\.json: invalid SCHEMA_VIOLATION: .*\/data\/0\/fields\/Kilobytes/);
    await rm(join(lone, 'ok.json'));
    await rm(join(lone, 'bad.json'));
  });

  it('is served at GET /cli/qmb.mjs without a token: JavaScript, the version, an ETag that answers 304; what was served runs', async () => {
    const res = await fetch(`${broker.url}/cli/qmb.mjs`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(res.headers.get('x-qmb-version'), version);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const etag = res.headers.get('etag') ?? '';
    assert.match(etag, /^"[A-Za-z0-9_-]{16,}"$/);
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(body.equals(await readFile(BUILT)), 'the bytes of dist/cli/qmb.mjs');
    await writeFile(join(served, 'qmb.mjs'), body);

    const again = await fetch(`${broker.url}/cli/qmb.mjs`, { headers: { 'if-none-match': `"other", ${etag}` } });
    assert.equal(again.status, 304);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
    const changed = await fetch(`${broker.url}/cli/qmb.mjs`, { headers: { 'if-none-match': '"other"' } });
    assert.equal(changed.status, 200);
    await changed.arrayBuffer();

    assertNoNodeModulesAbove(served);
    const v = await runNode('qmb.mjs', ['--version'], { cwd: served });
    assert.equal(v.stdout, `${version}\n`);
  });

  it('push prints one line per series it changed against the previous revision, on both stores, and --no-compare leaves them out', async () => {
    const head = imageSize('ccccccccccc3', [{ measurement: 'fvp-default', binMode: 'Debug', fields: { ...SIZES, BL31_T: 102288 } }], day(3));
    const counts = misra('ccccccccccc3', 'fvp-rst-bl31', { mandatory: 0, required: 12, advisory: 5 }, day(3));
    await writeFile(join(served, 'image.json'), JSON.stringify(head));
    await writeFile(join(served, 'misra.json'), JSON.stringify(counts));
    await writeFile(join(served, 'rerun.json'), JSON.stringify(imageSize('ccccccccccc3', [{ measurement: 'fvp-default', binMode: 'Debug', fields: { ...SIZES, BL31_T: 102288 } }], day(5))));
    const expected = [
      /^image\.json: delivered id=\d+ points=1$/,
      /^ {2}fvp-default\/Debug\/BL31_total: 140000 → 142288 \(\+2288, \+1\.63 %\) vs bbbbbbb$/,
      /^ {2}fvp-default\/Debug\/BL31_T: 100000 → 102288 \(\+2288, \+2\.29 %\) vs bbbbbbb$/,
      /^misra\.json: delivered id=\d+ points=1$/,
      /^ {2}fvp-rst-bl31\/Debug\/RequiredDefects: 10 → 12 \(\+2, \+20 %\) vs bbbbbbb$/,
      /^ {2}fvp-rst-bl31\/Debug\/TotalDefects: 15 → 17 \(\+2, \+13\.33 %\) vs bbbbbbb$/,
    ];
    for (const [name, b] of brokers) {
      const env = { QMB_URL: b.url, QMB_TOKEN: b.token() };
      const r = await runNode('qmb.mjs', ['push', 'image.json', 'misra.json', '--wait', '10'], { cwd: served, env });
      assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines.length, expected.length, `${name}:\n${r.stdout}`);
      expected.forEach((re, i) => assert.match(lines[i] ?? '', re, `${name}:\n${r.stdout}`));
      assert.equal(r.stderr, '');

      // The same commit measured again two days later: the revision stored now is not its own previous one.
      const rerun = await runNode('qmb.mjs', ['push', 'rerun.json'], { cwd: served, env });
      assert.match(rerun.stdout, /^rerun\.json: accepted id=\d+ points=1\n {2}fvp-default\/Debug\/BL31_total: 140000 → 142288 .* vs bbbbbbb\n {2}fvp-default\/Debug\/BL31_T: /, name);

      const quiet = await runNode('qmb.mjs', ['push', 'image.json', '--no-compare'], { cwd: served, env });
      assert.match(quiet.stdout, /^image\.json: accepted id=\d+ points=1\n$/, name);
    }
  });

  it('push compares a snapshot metric (no revision) with the snapshot before its own, and a first revision prints no change', async () => {
    await writeFile(join(served, 'defects.json'), JSON.stringify(defects('2021-06-02T10:00:00Z', ['open', 'open', 'open', 'fixed'])));
    await writeFile(join(served, 'fresh.json'), JSON.stringify(imageSize('ddddddddddd4', [{ measurement: 'fvp-fresh', binMode: 'Debug', fields: SIZES }], day(4))));
    for (const [name, b] of brokers) {
      // Delivered before the comparison runs: the snapshot just stored is passed over.
      const r = await runNode('qmb.mjs', ['push', 'defects.json', 'fresh.json', '--wait', '10'], { cwd: served, env: { QMB_URL: b.url, QMB_TOKEN: b.token() } });
      assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
      const lines = r.stdout.trimEnd().split('\n');
      assert.match(lines[0] ?? '', /^defects\.json: delivered id=\d+ points=4$/);
      // Counted by status: a status absent from a snapshot counted 0 there.
      assert.deepEqual(lines.slice(1, -1).sort(), [
        '  closed: 1 → 0 (-1, -100 %) vs the previous snapshot',
        '  fixed: 0 → 1 (+1) vs the previous snapshot',
        '  open: 2 → 3 (+1, +50 %) vs the previous snapshot',
      ], `${name}:\n${r.stdout}`);
      assert.match(lines.at(-1) ?? '', /^fresh\.json: delivered id=\d+ points=1$/, `${name}:\n${r.stdout}`);
    }
  });

  it('convert --push prints the change of what it pushed too', async () => {
    const text = (commit: string, date: string, required: number): string =>
      `BuildConfig: fvp-convert\nBinMode: debug\nCommitID: ${commit}\nCommitTitle: t\nCommitDate: ${date}\nTotalDefects: ${required + 3}\nMandatoryDefects: 0\nRequiredDefects: ${required}\nAdvisoryDefects: 3\n`;
    await writeFile(join(served, 'misra-1.txt'), text('eeeeeeeeee5', '2024-01-20T10:00:00+00:00', 4));
    await writeFile(join(served, 'misra-2.txt'), text('fffffffffff6', '2024-01-21T10:00:00+00:00', 3));
    const env = { QMB_URL: broker.url, QMB_TOKEN: broker.token() };
    const first = await runNode('qmb.mjs', ['convert', 'misra', 'misra-1.txt', '--push', '--wait', '10'], { cwd: served, env });
    assert.match(first.stdout, /^tfa_misra_defects: delivered id=\d+ points=1\n$/, first.stdout + first.stderr);
    const r = await runNode('qmb.mjs', ['convert', 'misra', 'misra-2.txt', '--push'], { cwd: served, env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(
      r.stdout.replace(/id=\d+/, 'id=N'),
      'tfa_misra_defects: accepted id=N points=1\n  fvp-convert/Debug/RequiredDefects: 4 → 3 (-1, -25 %) vs eeeeeee\n  fvp-convert/Debug/TotalDefects: 7 → 6 (-1, -14.29 %) vs eeeeeee\n',
    );
  });

  it('a comparison that fails (an older broker without /api/v1/checks) is a note on stderr; the push succeeds', async () => {
    const port = await freePort();
    // The older broker: the same ingest, no checks route.
    const older = createServer((req, res) => {
      if (req.url?.startsWith('/api/v1/checks')) {
        req.resume();
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"data":"Not Found","error_code":404}');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
        void fetch(`${broker.url}${req.url}`, { method: req.method, headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined }).then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((r) => older.listen(port, '127.0.0.1', r));
    try {
      const r = await runNode('qmb.mjs', ['push', 'image.json'], { cwd: served, env: { QMB_URL: `http://127.0.0.1:${port}`, QMB_TOKEN: broker.token() } });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^image\.json: accepted id=\d+ points=1\n$/);
      assert.match(r.stderr, /^image\.json: pushed; no comparison with the previous revision: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/checks answered 404 Not Found\n$/);
    } finally {
      await new Promise<void>((r) => older.close(() => r()));
    }
  });

  it('gates a change with the two lines of the README: fetch, then check --baseline-git --junit', async () => {
    const repo = join(dir, 'repo');
    await mkdir(repo);
    const commitAt = async (n: number, message: string): Promise<string> => {
      const date = `2024-02-0${n}T12:00:00Z`;
      await writeFile(join(repo, 'work.txt'), `${message}\n`);
      await gitAt(repo, date, ['add', 'work.txt']);
      await gitAt(repo, date, ['commit', '-q', '-m', message]);
      return (await gitAt(repo, date, ['rev-parse', 'HEAD'])).trim();
    };
    await gitAt(repo, '2024-02-01T12:00:00Z', ['init', '-q', '-b', 'main']);
    const base = await commitAt(1, 'base');
    await gitAt(repo, '2024-02-02T12:00:00Z', ['checkout', '-q', '-b', 'feature']);
    const change = await commitAt(2, 'grow bl31');
    assert.equal(await post(broker, '/api/v1/metrics?wait=10', imageSize(base, [{ measurement: 'fvp-gate', binMode: 'Debug', fields: SIZES }], day(10))), 201);
    await writeFile(join(repo, 'image-size.json'), JSON.stringify(imageSize(change, [{ measurement: 'fvp-gate', binMode: 'Debug', fields: { ...SIZES, BL31_T: 104000 } }], day(11))));

    const job = join(dir, 'job');
    await mkdir(job);
    const fetched = await fetch(`${broker.url}/cli/qmb.mjs`);
    await writeFile(join(job, 'qmb.mjs'), Buffer.from(await fetched.arrayBuffer()));
    const r = await runNode(join(job, 'qmb.mjs'), ['check', 'image-size.json', '--baseline-git', 'main', '--junit', 'report.xml'], {
      cwd: repo,
      env: { QMB_URL: broker.url, QMB_TOKEN: broker.token() },
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^qmb check: FAIL: 1 regression, .*; baseline ${base.slice(0, 7)}\\n`));
    assert.match(r.stdout, /tfa_image_size +fvp-gate\/Debug\/BL31_total +140000 +144000 +\+4000 +\+2\.86 % +fail /);
    const junit = new XMLParser({ ignoreAttributes: false }).parse(await readFile(join(repo, 'report.xml'), 'utf8')) as {
      testsuites: { testsuite: { '@_name': string; testcase: { '@_name': string; failure?: unknown }[] } };
    };
    const suite = junit.testsuites.testsuite;
    assert.equal(suite['@_name'], 'tfa_image_size');
    assert.ok(suite.testcase.some((c) => c['@_name'] === 'fvp-gate/Debug/BL31_total' && c.failure !== undefined), JSON.stringify(suite));
  });

  it('a broker compiled without the bundle answers 503 CLI_NOT_BUILT, saying how to build it', async () => {
    // The broker's folder after `tsc` alone: dist/src, no dist/cli.
    const tree = join(dir, 'tsc-only');
    cpSync(join(REPO_ROOT, 'dist', 'src'), join(tree, 'dist', 'src'), { recursive: true });
    await copyFile(join(REPO_ROOT, 'package.json'), join(tree, 'package.json'));
    for (const shared of ['node_modules', 'metrics', 'public', 'schemas']) symlinkSync(join(REPO_ROOT, shared), join(tree, shared));
    const port = await freePort();
    const data = join(dir, 'tsc-only-data');
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('QMB_')) env[k] = v;
    const child = spawn(process.execPath, [join(tree, 'dist', 'src', 'cli', 'main.js'), 'serve'], {
      env: { ...env, QMB_DATA_DIR: data, QMB_PORT: String(port), QMB_HOST: '127.0.0.1', QMB_LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true, 20_000, 'the tsc-only broker');
      const res = await fetch(`http://127.0.0.1:${port}/cli/qmb.mjs`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { code: string; data: string };
      assert.equal(body.code, 'CLI_NOT_BUILT');
      assert.match(body.data, /\(dist\/cli\/qmb\.mjs is missing\): build it in the broker's folder with `npm run build`/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
