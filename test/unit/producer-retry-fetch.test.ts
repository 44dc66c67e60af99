// The retrying fetch, driven without real sleeps: what is retried, Retry-After, bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchWithRetry, NetworkError } from '../../src/producer/retry-fetch.js';

function answers(list: Array<Response | Error>): { fetch: typeof fetch; calls: () => number } {
  let i = 0;
  const fake = (() => {
    const a = list[Math.min(i++, list.length - 1)];
    // Like fetch: a network error is a rejection, not a throw.
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a as Response);
  }) as typeof fetch;
  return { fetch: fake, calls: () => i };
}

test('network errors, 5xx and 429 are retried; Retry-After is honoured', async () => {
  const slept: number[] = [];
  const f = answers([
    new TypeError('fetch failed'),
    new Response('', { status: 503, headers: { 'Retry-After': '7' } }),
    new Response('', { status: 429, headers: { 'Retry-After': '1' } }),
    new Response('', { status: 500 }),
    new Response('ok', { status: 202 }),
  ]);
  const logs: string[] = [];
  const res = await fetchWithRetry('http://127.0.0.1:1/x', () => ({ method: 'POST' }), {
    retries: 5,
    timeoutMs: 1000,
    fetch: f.fetch,
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
    backoff: { baseMs: 10, maxMs: 1000, random: () => 0 },
    log: (l) => logs.push(l),
    label: 'p.json',
  });
  assert.equal(res.status, 202);
  assert.equal(f.calls(), 5);
  assert.deepEqual(slept, [5, 7000, 1000, 40]);
  assert.match(logs[1] ?? '', /^p\.json: 503\b.*retrying in 7\.0s \(attempt 3 of 6\)/);
});

test('other 4xx are not retried; retries are bounded', async () => {
  const f = answers([new Response('', { status: 400 })]);
  const res = await fetchWithRetry('http://127.0.0.1:1/x', () => ({}), { retries: 3, timeoutMs: 1000, fetch: f.fetch, sleep: async () => {} });
  assert.equal(res.status, 400);
  assert.equal(f.calls(), 1);

  const g = answers([new Response('', { status: 503 })]);
  const last = await fetchWithRetry('http://127.0.0.1:1/x', () => ({}), { retries: 2, timeoutMs: 1000, fetch: g.fetch, sleep: async () => {} });
  assert.equal(last.status, 503);
  assert.equal(g.calls(), 3);

  const h = answers([new TypeError('fetch failed')]);
  await assert.rejects(
    fetchWithRetry('http://127.0.0.1:1/x', () => ({}), { retries: 1, timeoutMs: 1000, fetch: h.fetch, sleep: async () => {} }),
    (err: unknown) => err instanceof NetworkError && err.attempts === 2 && /after 2 attempt/.test(err.message),
  );
});

test('TLS certificate and protocol errors are not retried and say what to do', async () => {
  const tlsError = (code: string): TypeError => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
  const cases: [string, RegExp][] = [
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /not trusted.*NODE_EXTRA_CA_CERTS/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /not trusted.*NODE_EXTRA_CA_CERTS/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /another host name/],
    ['CERT_HAS_EXPIRED', /out of date/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', /does not speak TLS/],
  ];
  for (const [code, advice] of cases) {
    const f = answers([tlsError(code)]);
    await assert.rejects(
      fetchWithRetry('https://127.0.0.1:1/x', () => ({}), { retries: 5, timeoutMs: 1000, fetch: f.fetch, sleep: async () => {} }),
      (err: unknown) => err instanceof NetworkError && err.attempts === 1 && advice.test(err.message) && err.message.includes(code),
    );
    assert.equal(f.calls(), 1, code);
  }
});
