// HTTPS natively: QMB_TLS_CERT/QMB_TLS_KEY with a certificate from a private CA made here with openssl;
// /healthz over https, plain http not served on that port, `qmb push` trusting the CA through
// NODE_EXTRA_CA_CERTS, and bad TLS settings stopping the start with one line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Certificates, makeCertificates } from '../helpers/certificates.js';
import { freePort } from '../helpers/ports.js';
import { type ServeProcess, cleanEnv, runQmb, spawnServe } from '../helpers/serve.js';

/** GET over https trusting only `ca`; resolves with the status, body and the certificate the server showed. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: readFileSync(ca) }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint }));
    });
    req.on('error', reject);
  });
}

const MISRA = JSON.stringify({
  api_version: '1.0',
  metadata: { metrics: 'tfa_misra_defects' },
  data: [{ measurement: 'TFA_MISRA_Defects', fields: { TotalDefects: 3, MandatoryDefects: 0, RequiredDefects: 1, AdvisoryDefects: 2 }, tags: { BinMode: 'Debug', CommitID: '0123456789', CommitTitle: 't' }, time: '2021-01-01T00:00:00Z' }],
});

describe('HTTPS with QMB_TLS_CERT and QMB_TLS_KEY', { timeout: 90_000 }, () => {
  let dir: string;
  let dataDir: string;
  let certs: Certificates;
  let port: number;
  let broker: ServeProcess;
  let token: string;
  let payload: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'qmb-tls-'));
    dataDir = path.join(dir, 'data');
    certs = makeCertificates(dir);
    port = await freePort();
    broker = await spawnServe(
      { QMB_DATA_DIR: dataDir, QMB_PORT: String(port), QMB_LOG_LEVEL: 'warn', QMB_TLS_CERT: certs.cert, QMB_TLS_KEY: certs.key },
      (out) => out.includes('Dashboard:'),
    );
    const minted = runQmb(['token', 'admin'], { QMB_DATA_DIR: dataDir });
    assert.equal(minted.status, 0, minted.stderr);
    token = minted.stdout.trim();
    payload = path.join(dir, 'misra.json');
    writeFileSync(payload, MISRA);
  });

  after(async () => {
    if (broker?.child.exitCode === null) await broker.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthz over https with the configured certificate, and says https in the banner', async () => {
    assert.match(broker.output(), new RegExp(`listening on https://127\\.0\\.0\\.1:${port}, `));
    assert.match(broker.output(), new RegExp(`Dashboard: https://127\\.0\\.0\\.1:${port}/dashboard`));
    const res = await httpsGet(`https://127.0.0.1:${port}/healthz`, certs.ca);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.fingerprint, new X509Certificate(readFileSync(certs.cert)).fingerprint256);
  });

  it('does not serve plain http on that port', async () => {
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) }), (err: Error) => err.name !== 'TimeoutError');
  });

  it('qmb push delivers over https when NODE_EXTRA_CA_CERTS names the CA', () => {
    const r = runQmb(['push', payload, '--wait', '10'], { QMB_URL: `https://127.0.0.1:${port}`, QMB_TOKEN: token, NODE_EXTRA_CA_CERTS: certs.ca });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: delivered id=\d+ points=1$/m);
  });

  it('qmb push without the CA fails at once, naming the certificate problem and NODE_EXTRA_CA_CERTS', () => {
    const r = runQmb(['push', payload], { QMB_URL: `https://127.0.0.1:${port}`, QMB_TOKEN: token });
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /certificate/i);
    assert.match(r.stdout + r.stderr, /NODE_EXTRA_CA_CERTS/);
    assert.doesNotMatch(r.stderr, /retrying/, 'a certificate problem does not go away by retrying');
  });

  it("the Docker image's HEALTHCHECK passes against the HTTPS broker", () => {
    const dockerfile = readFileSync(path.resolve('deploy', 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
    const line = dockerfile.split('\n').find((l) => l.startsWith('HEALTHCHECK')) ?? '';
    const argv = JSON.parse(/\bCMD\s+(\[.*\])\s*$/.exec(line)?.[1] ?? '[]') as string[];
    assert.equal(argv[0], 'node', line);
    const run = (env: Record<string, string>): number | null =>
      spawnSync(process.execPath, argv.slice(1), { env: { ...cleanEnv(), QMB_PORT: String(port), ...env }, timeout: 10_000 }).status;
    assert.equal(run({ QMB_TLS_CERT: '/tls/tls.crt' }), 0, 'healthy over https');
    assert.equal(run({}), 1, 'plain http to the HTTPS port is not healthy');
  });

  it('a bad TLS setting stops the start with one line naming the variable and the file', () => {
    const start = (env: Record<string, string>): string => {
      const r = runQmb(['serve'], { QMB_DATA_DIR: dataDir, QMB_PORT: '0', ...env });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      return lines[0] ?? '';
    };
    assert.match(start({ QMB_TLS_CERT: certs.cert }), /^qmb: QMB_TLS_KEY: .*QMB_TLS_CERT/);
    assert.match(start({ QMB_TLS_KEY: certs.key }), /^qmb: QMB_TLS_CERT: .*QMB_TLS_KEY/);
    const missing = path.join(dir, 'missing.pem');
    assert.match(start({ QMB_TLS_CERT: certs.cert, QMB_TLS_KEY: missing }), new RegExp(`^qmb: QMB_TLS_KEY: cannot read ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(start({ QMB_TLS_CERT: payload, QMB_TLS_KEY: certs.key }), /^qmb: QMB_TLS_CERT: .*misra\.json.*certificate/);
    assert.match(start({ QMB_TLS_CERT: certs.cert, QMB_TLS_KEY: certs.caKey }), /^qmb: QMB_TLS_KEY: .*ca\.key.*does not match/);
  });

  it('stops on SIGTERM with status 0 (HTTPS connections are closed like plain ones)', async () => {
    assert.equal(await broker.stop(), 0, broker.output());
  });
});
