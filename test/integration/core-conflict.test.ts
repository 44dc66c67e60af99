// A field type conflict is refused at acceptance when the broker knows the stored type; one it could
// not know (data written to InfluxDB behind its back) ends `rejected` with InfluxDB's message: visible
// on the submission, in /metrics, as 409 with ?wait=, and an operator can put it back with `qmb submissions retry`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { BrokerProcess } from '../helpers/broker.js';
import type { Influx } from '../helpers/influxd.js';
import { withInfluxBroker } from '../helpers/influx-broker.js';
import { waitFor } from '../helpers/ports.js';
import type { SubmissionAnswer } from '../../src/contract/submission.js';
import { type Reply, httpCall, isErrorBody } from '../helpers/core-support.js';

function payload(measurement: string, value: unknown, time: string, commit = 'conflict'): unknown {
  return {
    api_version: '1.0',
    metadata: { metrics: 'tfa_misra_defects' },
    data: [
      {
        measurement,
        fields: { TotalDefects: 1, MandatoryDefects: 0, RequiredDefects: 1, AdvisoryDefects: 0, Note: value },
        tags: { BinMode: 'Debug', CommitID: commit, CommitTitle: 'conflict test' },
        time,
      },
    ],
  };
}

/** Runs the CLI against the broker's data dir. */
function qmb(dataDir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QMB_')) env[k] = v;
  const res = spawnSync(process.execPath, [path.resolve('dist/src/cli/main.js'), ...args], {
    env: { ...env, QMB_DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('field type conflict', { timeout: 90_000 }, () => {
  let influx: Influx;
  let broker: BrokerProcess;
  let rejectedId = 0;

  const post = (body: unknown, wait = '?wait=10'): Promise<Reply> => httpCall(broker.url, 'POST', `/api/v1/metrics${wait}`, { token: broker.token(), body });
  const submission = async (id: number): Promise<SubmissionAnswer> => (await httpCall(broker.url, 'GET', `/api/v1/submissions/${id}`, { token: broker.token() })).json;

  withInfluxBroker('process', {}, (s) => ({ influx, broker } = s));

  /** Writes line protocol straight to InfluxDB, as another client would. */
  const writeBehind = async (lines: string): Promise<void> => {
    const res = await fetch(`${influx.url}/write?db=TFA_MisraDefects&precision=s`, { method: 'POST', body: lines });
    assert.equal(res.status, 204, await res.text());
  };

  it('an integer then a string for the same field and shard: 201, then 409 FIELD_TYPE_CONFLICT before anything is journaled', async () => {
    const first = await post(payload('conflict-known', 5, '2021-08-02T10:00:00Z'));
    assert.equal(first.status, 201, first.body);
    assert.equal(first.json.status, 'delivered');
    assert.equal(first.headers['x-submission-id'], String(first.json.id));

    const second = await post(payload('conflict-known', 'text', '2021-08-02T10:00:01Z'));
    assert.equal(second.status, 409, second.body);
    assert.ok(isErrorBody(second.json, 409), second.body);
    assert.equal(second.json.code, 'FIELD_TYPE_CONFLICT');
    assert.match(second.json.data, /field type conflict: field "Note" .* stored as integer .* sends string/);
    assert.equal(second.headers['x-submission-id'], undefined);
  });

  it('a conflict with data written behind the broker\'s back: 201, then 409 with InfluxDB\'s message', async () => {
    await writeBehind('conflict-m,BinMode=Debug,CommitID=behind,CommitTitle=direct Note=5i 1627898400');
    const second = await post(payload('conflict-m', 'text', '2021-08-02T10:00:01Z'));
    assert.equal(second.status, 409, second.body);
    assert.ok(isErrorBody(second.json, 409), second.body);
    assert.equal(second.json.code, 'DATABASE_REJECTED');
    assert.match(second.json.data, /field type conflict/);
    assert.equal(second.json.status, 'rejected');
    assert.equal(second.headers['x-submission-id'], String(second.json.id));
    assert.equal(second.json.id, Number(second.headers['x-submission-id']));
    rejectedId = second.json.id;
  });

  it('GET /api/v1/submissions/{id} shows rejected with the database\'s message', async () => {
    const s = await submission(rejectedId);
    assert.equal(s.status, 'rejected');
    assert.match(s.last_error ?? '', /field type conflict/);
    assert.ok(s.attempts >= 1);
  });

  it('/metrics counts the rejected submission', async () => {
    const res = await httpCall(broker.url, 'GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.body, /^qmb_rejected_submissions_total\{database="TFA_MisraDefects"\} 1$/m);
    assert.match(res.body, /^qmb_journal_pending_points /m);
    assert.match(res.body, /^qmb_http_requests_total\{/m);
  });

  it('a conflicting payload between good ones costs none of them (same delivery batch)', async () => {
    await writeBehind('conflict-b,BinMode=Debug,CommitID=behind,CommitTitle=direct Note=5i 1627902000');
    await influx.pause();
    const a = await post(payload('conflict-m', 6, '2021-08-02T11:00:00Z', 'batch-a'), '');
    const b = await post(payload('conflict-b', 'also text', '2021-08-02T11:00:01Z', 'batch-b'), '');
    const c = await post(payload('conflict-m', 7, '2021-08-02T11:00:02Z', 'batch-c'), '');
    for (const r of [a, b, c]) assert.equal(r.status, 202, r.body);
    await influx.start();
    await waitFor(async () => (await submission(c.json.id)).status !== 'pending' && (await submission(b.json.id)).status !== 'pending', 40_000, 'the batch to settle');
    assert.equal((await submission(a.json.id)).status, 'delivered');
    assert.equal((await submission(b.json.id)).status, 'rejected');
    assert.equal((await submission(c.json.id)).status, 'delivered');
    const rows = await influx.rows('TFA_MisraDefects', `SELECT "Note" FROM "conflict-m" WHERE "CommitID" = 'batch-a' OR "CommitID" = 'batch-c'`);
    assert.deepEqual(rows.map((r) => r['Note']).sort(), [6, 7]);
  });

  it('qmb submissions list --status rejected shows it; retry puts it back to pending and it is delivered once the conflict is gone', async () => {
    const list = qmb(broker.dataDir, 'submissions', 'list', '--status', 'rejected');
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${rejectedId}\\trejected\\t`, 'm'));

    // Remove the conflicting data, so the retried write can succeed.
    await influx.query('TFA_MisraDefects', 'DROP MEASUREMENT "conflict-m"');
    const retry = qmb(broker.dataDir, 'submissions', 'retry', String(rejectedId));
    assert.equal(retry.status, 0, `${retry.stdout}${retry.stderr}`);
    assert.match(retry.stdout, /pending/);
    const now = await submission(rejectedId);
    assert.ok(now.status === 'pending' || now.status === 'delivered', `after retry: ${now.status}`);
    await waitFor(async () => (await submission(rejectedId)).status === 'delivered', 30_000, 'the retried submission to be delivered');
    const rows = await influx.rows('TFA_MisraDefects', `SELECT "Note" FROM "conflict-m" WHERE "CommitID" = 'conflict'`);
    assert.deepEqual(rows.map((r) => r['Note']), ['text']);
  });

  it('qmb submissions retry refuses a submission that is not rejected, with a one-line reason', () => {
    const res = qmb(broker.dataDir, 'submissions', 'retry', String(rejectedId));
    assert.notEqual(res.status, 0);
    assert.match(res.stderr.trim(), /delivered/);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    const missing = qmb(broker.dataDir, 'submissions', 'retry', '999999');
    assert.notEqual(missing.status, 0);
  });
});
