// Backoff schedule, Retry-After, and the retrying fetch driven without real sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, parseRetryAfter } from '../../src/producer/backoff.js';
import { fetchWithRetry, NetworkError } from '../../src/producer/retry-fetch.js';

test('delays double up to the cap and keep a random half', () => {
  const low = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0 });
  const high = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 });
  assert.deepEqual([0, 1, 2, 3, 4, 10].map((r) => low.delayMs(r)), [50, 100, 200, 400, 500, 500]);
  assert.deepEqual([0, 1, 2, 3, 4].map((r) => high.delayMs(r)), [100, 200, 400, 800, 1000]);
});

test('Retry-After wins over the schedule, within a bound', () => {
  const b = new Backoff({ baseMs: 100, capMs: 1000, maxRetryAfterMs: 5000 });
  assert.equal(b.delayMs(0, 3000), 3000);
  assert.equal(b.delayMs(0, 60_000), 5000);
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter('0.5'), 500);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  const now = Date.parse('2024-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:10 GMT', now), 10_000);
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:00 GMT', now + 5000), 0);
});

function answers(list: Array<Response | Error>): { fetch: typeof fetch; calls: () => number } {
  let i = 0;
  const fake = (async () => {
    const a = list[Math.min(i++, list.length - 1)];
    if (a instanceof Error) throw a;
    return a as Response;
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
    sleep: async (ms) => void slept.push(ms),
    backoff: { baseMs: 10, capMs: 100, random: () => 0 },
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
