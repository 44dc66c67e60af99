// An InfluxDB served over HTTPS with a certificate from a private CA (a real influxd with
// https-enabled): the broker trusts it through NODE_EXTRA_CA_CERTS as an operator would set it,
// delivers to it, and without the CA says in /readyz which certificate problem keeps it out.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCertificates } from '../helpers/certificates.js';
import { type Influx, startInflux } from '../helpers/influxd.js';
import { freePort } from '../helpers/ports.js';
import { type ServeProcess, runQmb, spawnServe } from '../helpers/serve.js';

const PAYLOAD = {
  api_version: '1.0',
  metadata: { metrics: 'tfa_misra_defects' },
  data: [{ measurement: 'TFA_MISRA_Defects', fields: { TotalDefects: 3, MandatoryDefects: 0, RequiredDefects: 1, AdvisoryDefects: 2 }, tags: { BinMode: 'Debug', CommitID: 'abc0123456', CommitTitle: 't' }, time: '2021-01-01T00:00:00Z' }],
};

interface Readyz {
  ready: boolean;
  checks: { sink: { ok: boolean; detail: string } };
}

describe('an InfluxDB over HTTPS', { timeout: 120_000 }, () => {
  let dir: string;
  let influx: Influx;
  let ca: string;
  const brokers: ServeProcess[] = [];

  /** A broker writing to the HTTPS InfluxDB, with `env` added. */
  const serve = async (env: Record<string, string>): Promise<{ url: string; token: string }> => {
    const dataDir = mkdtempSync(path.join(dir, 'data-'));
    const port = await freePort();
    brokers.push(await spawnServe({ QMB_DATA_DIR: dataDir, QMB_PORT: String(port), QMB_LOG_LEVEL: 'warn', QMB_INFLUX_URL: influx.url, ...env }, (out) => out.includes('Dashboard:')));
    const minted = runQmb(['token', 'admin'], { QMB_DATA_DIR: dataDir });
    assert.equal(minted.status, 0, minted.stderr);
    return { url: `http://127.0.0.1:${port}`, token: minted.stdout.trim() };
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'qmb-influx-https-'));
    const certs = makeCertificates(dir);
    ca = certs.ca;
    influx = await startInflux({ tls: certs });
  });

  after(async () => {
    for (const b of brokers) if (b.child.exitCode === null) await b.stop();
    await influx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers to it when NODE_EXTRA_CA_CERTS names the CA, and /readyz shows it ready', async () => {
    assert.match(influx.url, /^https:/);
    const broker = await serve({ NODE_EXTRA_CA_CERTS: ca });
    const res = await fetch(`${broker.url}/api/v1/metrics?wait=10`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${broker.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(PAYLOAD),
    });
    const answer = (await res.json()) as { status: string; points: number };
    assert.equal(res.status, 201, JSON.stringify(answer));
    assert.equal(answer.status, 'delivered');
    const rows = await influx.rows('TFA_MisraDefects', 'SELECT "TotalDefects", "CommitID" FROM "TFA_MISRA_Defects"');
    assert.deepEqual(rows.map((r) => [r['TotalDefects'], r['CommitID']]), [[3, 'abc0123456']]);
    const ready = (await (await fetch(`${broker.url}/readyz`)).json()) as Readyz;
    assert.equal(ready.checks.sink.ok, true, ready.checks.sink.detail);
    assert.match(ready.checks.sink.detail, new RegExp(`^InfluxDB \\S+ at ${influx.url.replace(/[.]/g, '\\.')}$`));
  });

  it('without the CA keeps the payload and says in /readyz that the certificate is not trusted', async () => {
    const broker = await serve({});
    const res = await fetch(`${broker.url}/api/v1/metrics`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${broker.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(PAYLOAD),
    });
    assert.equal(res.status, 202, await res.text());
    const ready = (await (await fetch(`${broker.url}/readyz`)).json()) as Readyz;
    assert.equal(ready.checks.sink.ok, false);
    assert.match(ready.checks.sink.detail, new RegExp(`InfluxDB at ${influx.url.replace(/[.]/g, '\\.')} unreachable: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)`));
  });
});
