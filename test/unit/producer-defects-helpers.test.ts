// GitHub answers: Link pagination, rate-limit detection, payload shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defectsPayloads, measuredDate, nextLink, rateLimitWaitMs } from '../../src/producer/defects.js';

test('the next page comes from the Link header', () => {
  const link = '<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last"';
  assert.equal(nextLink(link), 'https://api.github.com/repositories/1/issues?page=2');
  assert.equal(nextLink('<https://x/?page=1>; rel="prev", <https://x/?page=1>; rel="first"'), undefined);
  assert.equal(nextLink(null), undefined);
});

test('rate limits: 403/429 with no requests left wait until the reset; Retry-After wins', () => {
  const now = 1_700_000_000_000;
  const limited = new Response('', { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 30) } });
  assert.equal(rateLimitWaitMs(limited, now), 31_000);
  assert.equal(rateLimitWaitMs(new Response('', { status: 429, headers: { 'Retry-After': '3' } }), now), 3000);
  assert.equal(rateLimitWaitMs(new Response('', { status: 403 }), now), undefined, 'a plain 403 is a refusal, not a limit');
  assert.equal(rateLimitWaitMs(new Response('', { status: 200, headers: { 'x-ratelimit-remaining': '0' } }), now), undefined);
});

test('payloads: stats per issue and the count; an empty list still reports zero', () => {
  const m = measuredDate(new Date('2024-05-01T10:11:12.345Z'));
  assert.equal(m, '2024-05-01T10:11:12Z');
  const [stats, tracking] = defectsPayloads([{ number: 7, title: 'Crash', state: 'open', html_url: 'https://gh/7' }], m);
  assert.deepEqual(stats?.data, [
    { measurement: 'TFA_Defects_Statistics', fields: { Title: 'Crash', Issue_Status: 'open', URL: 'https://gh/7' }, tags: { Defect_ID: '7', Measured_Date: m } },
  ]);
  assert.deepEqual(tracking?.data, [{ measurement: 'TFA_Defects_Tracking', fields: { Issue_Status: 'open', Number_of_Defects: 1 }, tags: { Measured_Date: m } }]);
  const none = defectsPayloads([], m);
  assert.deepEqual(none.map((p) => p.metadata.metrics), ['tfa_defects_tracking']);
  assert.equal(none[0]?.data[0]?.fields.Number_of_Defects, 0);
});
