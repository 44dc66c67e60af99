// `qmb collect defects` against local servers that answer like the GitHub REST API:
// two pages linked by `Link`, a rate-limit answer to wait out, pull requests to leave out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runQmb } from '../helpers/producer-run.js';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

const issue = (n: number, title: string, origin: string) => ({ number: n, title, state: 'open', html_url: `${origin}/acme/fw/issues/${n}` });

test('pages through Link headers, waits out a rate limit, skips pull requests', async () => {
  const seen: IncomingMessage[] = [];
  let rateLimited = false;
  let limitedAt = 0;
  let resumedAt = 0;
  // Page 2 lives on another origin: the token must not follow the Link there.
  const other = createServer((req, res) => {
    seen.push(req);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify([issue(3, 'Third', 'https://gh')]));
  });
  const otherUrl = await listen(other);
  const api = createServer((req, res) => {
    seen.push(req);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/v3/repos/acme/fw/issues') {
      res.writeHead(404).end('{}');
      return;
    }
    if (!rateLimited) {
      rateLimited = true;
      limitedAt = Date.now();
      res.writeHead(403, {
        'Content-Type': 'application/json',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1),
      });
      res.end(JSON.stringify({ message: 'API rate limit exceeded' }));
      return;
    }
    resumedAt = Date.now();
    res.writeHead(200, {
      'Content-Type': 'application/json',
      Link: `<${otherUrl}/api/v3/repositories/1/issues?state=open&page=2>; rel="next", <${otherUrl}/api/v3/repositories/1/issues?page=2>; rel="last"`,
    });
    res.end(
      JSON.stringify([
        issue(1, 'First "quoted"', 'https://gh'),
        { ...issue(2, 'A pull request', 'https://gh'), pull_request: { url: 'x' } },
        issue(5, 'Fifth', 'https://gh'),
      ]),
    );
  });
  const apiUrl = await listen(api);
  try {
    const r = await runQmb(['collect', 'defects', '--github', 'acme/fw', '--api-url', `${apiUrl}/api/v3`], { env: { GITHUB_TOKEN: 'gh-secret' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /defects: rate limited \(403\); waiting \d+s/);
    assert.ok(resumedAt - limitedAt >= 900, `waited ${resumedAt - limitedAt} ms for the reset`);

    const first = seen[0];
    const q = new URL(first?.url ?? '/', 'http://x').searchParams;
    assert.deepEqual([q.get('state'), q.get('labels'), q.get('per_page')], ['open', 'bug', '100']);
    assert.equal(first?.headers.authorization, 'Bearer gh-secret');
    assert.equal(first?.headers.accept, 'application/vnd.github+json');
    assert.equal(seen.length, 3);
    assert.equal(seen[2]?.headers.authorization, undefined, 'no token for another origin');

    const payloads = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { metadata: { metrics: string }; data: Array<Record<string, unknown>> });
    assert.deepEqual(payloads.map((p) => p.metadata.metrics), ['tfa_defects_stats', 'tfa_defects_tracking']);
    const measured = (payloads[1]?.data[0]?.tags as { Measured_Date: string }).Measured_Date;
    assert.match(measured, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.deepEqual(payloads[0]?.data, [
      { measurement: 'TFA_Defects_Statistics', fields: { Title: 'First "quoted"', Issue_Status: 'open', URL: 'https://gh/acme/fw/issues/1' }, tags: { Defect_ID: '1', Measured_Date: measured } },
      { measurement: 'TFA_Defects_Statistics', fields: { Title: 'Fifth', Issue_Status: 'open', URL: 'https://gh/acme/fw/issues/5' }, tags: { Defect_ID: '5', Measured_Date: measured } },
      { measurement: 'TFA_Defects_Statistics', fields: { Title: 'Third', Issue_Status: 'open', URL: 'https://gh/acme/fw/issues/3' }, tags: { Defect_ID: '3', Measured_Date: measured } },
    ]);
    assert.deepEqual(payloads[1]?.data, [
      { measurement: 'TFA_Defects_Tracking', fields: { Issue_Status: 'open', Number_of_Defects: 3 }, tags: { Measured_Date: measured } },
    ]);
  } finally {
    api.close();
    other.close();
  }
});

test('a refusal that is not a rate limit fails with one line', async () => {
  const api = createServer((_req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ message: 'Not Found' }));
  });
  const apiUrl = await listen(api);
  try {
    const r = await runQmb(['collect', 'defects', '--github', 'acme/none', '--api-url', apiUrl]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^qmb: GitHub answered 404 for .*\/repos\/acme\/none\/issues.*Not Found/m);
  } finally {
    api.close();
  }
});
