// `qmb push` (and `convert --push`) against a real broker process: accepted, rejected by the
// schema, --wait delivered and rejected by the database, --dry-run, --legacy, --user, a
// broker that is down and comes back, and 503 back-pressure while InfluxDB is away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, TEST_USERS, type BrokerProcess } from '../helpers/broker.js';
import { startInflux } from '../helpers/influxd.js';
import { runQmb, type RunResult } from '../helpers/producer-run.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { waitFor } from '../helpers/ports.js';

let broker: BrokerProcess;
let dir = '';

/** A MISRA payload; `total` is inserted verbatim so tests can send `5` or `5.0`. */
function misra(measurement: string, total: string): string {
  return `{"api_version": "1.0", "metadata": {"metrics": "tfa_misra_defects"}, "data": [{"measurement": "${measurement}",
  "fields": {"TotalDefects": ${total}, "MandatoryDefects": 0, "RequiredDefects": 1, "AdvisoryDefects": 2},
  "tags": {"BinMode": "Debug", "CommitID": "0123456789", "CommitTitle": "t"}, "time": "2021-01-01T00:00:00Z"}]}\n`;
}

const BAD_CHURN = JSON.stringify({
  api_version: '1.0',
  metadata: { metrics: 'tfa_code_churn' },
  data: [{ measurement: 'TFA_CodeChurn_Tracking', fields: { Lines_of_Change: 4 }, tags: { Git_Tag_Date: 20200908, Target_Tag: 'v2.4' }, time: '2020-09-08' }],
});

async function file(name: string, content: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, content);
  return p;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { QMB_URL: broker.url, QMB_TOKEN: broker.token(), ...extra };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qmb-push-'));
  broker = await startBrokerProcess();
});

after(async () => {
  await broker.stop();
  broker.cleanup();
  await rm(dir, { recursive: true, force: true });
});

test('accepted payloads, from a file and from stdin: one line each, exit 0', async () => {
  const a = await file('a.json', misra('push-a', '3'));
  const r = await runQmb(['push', a, '-'], { env: env(), input: misra('push-stdin', '4') });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = r.stdout.trim().split('\n');
  assert.equal(out.length, 2);
  assert.match(out[0] ?? '', new RegExp(`^${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: accepted id=\\d+ points=1$`));
  assert.match(out[1] ?? '', /^stdin: accepted id=\d+ points=1$/);
});

test('a schema violation is reported with its paths and fails the step', async () => {
  const good = await file('good.json', misra('push-good', '1'));
  const bad = await file('bad.json', BAD_CHURN);
  const r = await runQmb(['push', good, bad, '--url', broker.url, '--token', broker.token()]);
  assert.equal(r.code, 1);
  const out = r.stdout.trim().split('\n');
  assert.match(out[0] ?? '', /good\.json: accepted id=\d+/);
  assert.match(out[1] ?? '', /bad\.json: rejected 400 SCHEMA_VIOLATION .+/);
  assert.ok(out.slice(2).some((l) => /^ {2}\/data\/0\/tags(\/Base_Tag)?: /.test(l)), r.stdout);
});

test('--wait: delivered is 201; a later field type conflict is refused (409 FIELD_TYPE_CONFLICT)', async () => {
  const intFile = await file('int.json', misra('push-typed', '5'));
  const d = await runQmb(['push', intFile, '--wait', '20'], { env: env() });
  assert.equal(d.code, 0, d.stdout + d.stderr);
  assert.match(d.stdout, /int\.json: delivered id=\d+ points=1\n$/);
  // The same field as a float: the bytes go out unchanged, so `5.0` stays a float and conflicts.
  const floatFile = await file('float.json', misra('push-typed', '5.0'));
  const r = await runQmb(['push', floatFile, '--wait', '20'], { env: env() });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /float\.json: rejected 409 FIELD_TYPE_CONFLICT .*TotalDefects/);
});

test('--dry-run validates without storing; a bad token is a rejection', async () => {
  const p = await file('dry.json', misra('push-dry', '2'));
  const r = await runQmb(['push', p, '--dry-run'], { env: env() });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /dry\.json: valid points=1\n$/);
  const bad = await runQmb(['push', p], { env: env({ QMB_TOKEN: 'not-a-token' }) });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /dry\.json: rejected 401 /);
});

test("--legacy posts to the older broker's route with the JWT prefix", async () => {
  const p = await file('legacy.json', misra('push-legacy', '2'));
  const r = await runQmb(['push', '--legacy', p], { env: env() });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /legacy\.json: accepted( id=\d+)?\n$/);
  const bad = await file('legacy-bad.json', BAD_CHURN);
  const rb = await runQmb(['push', '--legacy', bad], { env: env() });
  assert.equal(rb.code, 1);
  assert.match(rb.stdout, /legacy-bad\.json: rejected 400 /);
});

test('--user logs in at /auth with the password from stdin or QMB_PASSWORD', async () => {
  const user = TEST_USERS[0];
  assert.ok(user);
  const p = await file('user.json', misra('push-user', '2'));
  const r = await runQmb(['push', p, '--url', broker.url, '--user', user.name], { input: `${user.password}\n` });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /user\.json: accepted id=\d+/);
  const wrong = await runQmb(['push', p, '--url', broker.url, '--user', user.name], { env: { QMB_PASSWORD: 'wrong' } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^qmb: login as ci refused: 401 /);
  const noUrl = await runQmb(['push', p], { env: { QMB_TOKEN: 'x' } });
  assert.match(noUrl.stderr, /^qmb: no broker address: give --url or set QMB_URL\n$/);
});

test('convert --push sends the converted payload', async () => {
  const txt = await file(
    'misra.txt',
    'BuildConfig: fvp-push\nBinMode: release\nCommitID: 0123456789abcdef\nCommitTitle: Push it\nCommitDate: 2021-02-03T04:05:06+00:00\nTotalDefects: 9\nMandatoryDefects: 1\nRequiredDefects: 5\nAdvisoryDefects: 3\n',
  );
  const r = await runQmb(['convert', 'misra', txt, '--push', '--wait', '20'], { env: env() });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^tfa_misra_defects: delivered id=\d+ points=1\n$/);
});

/** Starts `qmb push` in the background and resolves when it ends. */
/** `qmb push` running in the background; `stderr()` is what it printed so far. */
function pushInBackground(args: string[], extraEnv: Record<string, string>): Promise<RunResult> & { stderr(): string } {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('QMB_')) childEnv[k] = v;
  let stderr = '';
  const done = new Promise<RunResult>((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'), 'push', ...args], {
      cwd: REPO_ROOT,
      env: { ...childEnv, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return Object.assign(done, { stderr: () => stderr });
}

test('a broker that is down is retried until it is back', async () => {
  const p = await file('later.json', misra('push-later', '2'));
  const e = env();
  await broker.stop();
  const pushing = pushInBackground([p, '--retries', '8'], e);
  // Back only once the push has met the broker down at least once.
  await waitFor(() => /retrying in/.test(pushing.stderr()), 30_000, 'a retry of the push');
  await broker.start();
  const r = await pushing;
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /later\.json: .*retrying in \d+\.\ds \(attempt 2 of 9\)/);
  assert.match(r.stdout, /later\.json: accepted id=\d+ points=1\n$/);
  const gone = await runQmb(['push', p, '--retries', '1', '--url', 'http://127.0.0.1:9', '--token', 'x']);
  assert.equal(gone.code, 1);
  assert.match(gone.stdout, /later\.json: failed no answer from http:\/\/127\.0\.0\.1:9 after 2 attempt\(s\)/);
});

test('503 back-pressure is waited out (Retry-After) while the database catches up', async () => {
  const influx = await startInflux();
  await influx.pause();
  const b = await startBrokerProcess({ QMB_INFLUX_URL: influx.url, QMB_JOURNAL_MAX_POINTS: '1' });
  try {
    const e = { QMB_URL: b.url, QMB_TOKEN: b.token() };
    const first = await runQmb(['push', await file('bp1.json', misra('bp', '1'))], { env: e });
    assert.match(first.stdout, /bp1\.json: accepted id=\d+/, first.stdout + first.stderr);
    const second = pushInBackground([await file('bp2.json', misra('bp', '2')), '--retries', '8'], e);
    // InfluxDB comes back only once the push was answered 503 at least once.
    await waitFor(() => /bp2\.json: 503 /.test(second.stderr()), 30_000, 'a 503 answer to the push');
    await influx.start();
    const r = await second;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /bp2\.json: 503 .*retrying in 5\.0s/);
    assert.match(r.stdout, /bp2\.json: accepted id=\d+ points=1\n$/);
  } finally {
    await b.stop();
    b.cleanup();
    await influx.stop();
  }
});

test('a redirect is not followed (push, demo-data, validate --url): neither the payload nor the password reaches the other host', async () => {
  const { createServer } = await import('node:http');
  const received: string[] = [];
  const elsewhere = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token": "stolen"}');
  });
  await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
  const elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}`;
  const redirector = createServer((req, res) => {
    req.resume();
    res.writeHead(307, { Location: `${elsewhereUrl}${req.url}` }).end();
  });
  await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
  const redirectorUrl = `http://127.0.0.1:${(redirector.address() as { port: number }).port}`;
  try {
    const p = await file('redirected.json', misra('push-redirect', '2'));
    const pushed = await runQmb(['push', p, '--url', redirectorUrl, '--token', 'x', '--retries', '0']);
    assert.equal(pushed.code, 1);
    assert.match(pushed.stdout, /redirected\.json: failed .*answered 307, a redirect to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/metrics, which is not followed/);
    const login = await runQmb(['push', p, '--url', redirectorUrl, '--user', 'ci', '--retries', '0'], { env: { QMB_PASSWORD: 'secret-password' } });
    assert.equal(login.code, 1);
    assert.match(login.stderr, /^qmb: cannot log in: .*answered 307/);
    // The other verbs that post payloads or log in share the client: no redirect followed either.
    const demo = await runQmb(['demo-data', '--url', redirectorUrl, '--user', 'ci', '--retries', '0'], { env: { QMB_PASSWORD: 'secret-password' } });
    assert.equal(demo.code, 1);
    assert.match(demo.stderr, /^qmb: cannot log in: .*answered 307/);
    const validated = await runQmb(['validate', p, '--url', redirectorUrl, '--token', 'x', '--retries', '0']);
    assert.equal(validated.code, 1);
    assert.match(validated.stderr, /answered 307, a redirect to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/validate, which is not followed/);
    assert.deepEqual(received, []);
  } finally {
    redirector.close();
    elsewhere.close();
  }
});

test('--dry-run, --wait and --legacy without --push are refused, not ignored', async () => {
  const txt = await file('misra-nopush.txt', 'BuildConfig: fvp\nBinMode: debug\nCommitID: 0123456789abcdef\nCommitTitle: t\nCommitDate: 2021-01-01T00:00:00+00:00\nTotalDefects: 3\nMandatoryDefects: 0\nRequiredDefects: 2\nAdvisoryDefects: 1\n');
  const r = await runQmb(['convert', 'misra', txt, '--dry-run']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^qmb: --dry-run needs --push\n$/);
  const ok = await runQmb(['convert', 'misra', txt]);
  assert.equal(ok.code, 0, ok.stderr);
});
