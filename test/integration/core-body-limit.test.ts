// A body over QMB_MAX_BODY_BYTES, as a CI job meets it: the 413 says how big the body was, the
// limit, and what to do about it.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';
import { churnPayload, isErrorBody } from '../helpers/core-support.js';
import { runQmb } from '../helpers/producer-run.js';

const LIMIT = 2048;
const ADVICE = `(QMB_MAX_BODY_BYTES on the broker): split the payload into smaller ones, or raise QMB_MAX_BODY_BYTES`;

describe('the body limit', { timeout: 60_000 }, () => {
  let broker: BrokerProcess;
  let dir = '';
  const big = JSON.stringify(churnPayload(1, '2021-01-01T00:00:00Z', 'big', { Padding: 'x'.repeat(LIMIT * 2) }));
  const size = Buffer.byteLength(big);

  before(async () => {
    broker = await startBrokerProcess({ QMB_MAX_BODY_BYTES: String(LIMIT) });
    dir = await mkdtemp(join(tmpdir(), 'qmb-limit-'));
  });

  after(async () => {
    await broker?.stop();
    broker?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('qmb push of a payload over the limit shows its size, the limit and what to do', async () => {
    const file = join(dir, 'big.json');
    await writeFile(file, big);
    for (const legacy of [[], ['--legacy']]) {
      const r = await runQmb(['push', file, '--url', broker.url, '--token', broker.token(), ...legacy]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, `${file}: rejected 413 BODY_TOO_LARGE request body of ${size} bytes is larger than the limit of ${LIMIT} bytes ${ADVICE}\n`);
    }
  });

  it('without Content-Length (chunked) the 413 still names the limit and what to do', async () => {
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${broker.url}/api/v1/metrics`,
        { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${broker.token()}`, 'transfer-encoding': 'chunked' } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < big.length; i += 500) req.write(big.slice(i, i + 500));
      req.end();
    });
    assert.equal(reply.status, 413, reply.body);
    const json = JSON.parse(reply.body) as { data: string; code: string };
    assert.ok(isErrorBody(json, 413), reply.body);
    assert.equal(json.code, 'BODY_TOO_LARGE');
    assert.equal(json.data, `request body is larger than the limit of ${LIMIT} bytes ${ADVICE}`);
  });
});
