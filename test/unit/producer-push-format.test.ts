// How push answers become summary lines and outcomes (the wire side is in the integration tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPushResult, pushPayload, pushTarget } from '../../src/producer/push.js';

test('targets by mode', () => {
  assert.equal(pushTarget({ url: 'http://b:5000/' }), 'http://b:5000/api/v1/metrics');
  assert.equal(pushTarget({ url: 'http://b:5000', waitSeconds: 30 }), 'http://b:5000/api/v1/metrics?wait=30');
  assert.equal(pushTarget({ url: 'http://b:5000', dryRun: true }), 'http://b:5000/api/v1/validate');
  assert.equal(pushTarget({ url: 'http://b:5000/', legacy: true }), 'http://b:5000/');
});

function once(res: Response): typeof fetch {
  return () => Promise.resolve(res);
}
const base = { url: 'http://b', token: 't', retries: 0, timeoutMs: 1000 };

test('a schema rejection lists the message and every path', async () => {
  const body = {
    data: 'payload does not match the schema of "tfa_code_churn": /data/0/tags/Base_Tag: required',
    error_code: 400,
    code: 'SCHEMA_VIOLATION',
    errors: [
      { path: '/data/0/tags/Base_Tag', message: 'required' },
      { path: '/data/1/fields/Lines_of_Change', message: 'must be\nnumber' },
    ],
  };
  const r = await pushPayload(Buffer.from('{}'), 'p.json', { ...base, fetch: once(Response.json(body, { status: 400 })) });
  assert.equal(r.ok, false);
  assert.deepEqual(formatPushResult('p.json', r), [
    'p.json: rejected 400 SCHEMA_VIOLATION payload does not match the schema of "tfa_code_churn": /data/0/tags/Base_Tag: required',
    '  /data/0/tags/Base_Tag: required',
    '  /data/1/fields/Lines_of_Change: must be number',
  ]);
});

test('202 is accepted, unless --wait asked for delivery', async () => {
  const ans = () => Response.json({ id: 42, status: 'pending', points: 3 }, { status: 202 });
  const r = await pushPayload(Buffer.from('{}'), 'p', { ...base, fetch: once(ans()) });
  assert.deepEqual([r.ok, formatPushResult('p', r)], [true, ['p: accepted id=42 points=3']]);
  const w = await pushPayload(Buffer.from('{}'), 'p', { ...base, waitSeconds: 5, fetch: once(ans()) });
  assert.deepEqual([w.ok, formatPushResult('p', w, 5)], [false, ['p: not delivered within 5s (still pending) id=42 points=3']]);
  const d = await pushPayload(Buffer.from('{}'), 'p', { ...base, waitSeconds: 5, fetch: once(Response.json({ id: 42, status: 'delivered', points: 3 }, { status: 201 })) });
  assert.deepEqual([d.ok, formatPushResult('p', d)], [true, ['p: delivered id=42 points=3']]);
});

test('legacy 204 is accepted, with the id from X-Submission-Id; non-JSON errors keep their text', async () => {
  const r = await pushPayload(Buffer.from('{}'), 'p', { ...base, legacy: true, fetch: once(new Response(null, { status: 204, headers: { 'X-Submission-Id': '7' } })) });
  assert.deepEqual([r.ok, formatPushResult('p', r)], [true, ['p: accepted id=7']]);
  const e = await pushPayload(Buffer.from('{}'), 'p', { ...base, fetch: once(new Response('<html>Bad\nGateway</html>', { status: 502, statusText: 'Bad Gateway' })) });
  assert.deepEqual(formatPushResult('p', e), ['p: rejected 502 <html>Bad Gateway</html>']);
});

test('the body goes out byte for byte with the right headers', async () => {
  let seen: { url: string; init: RequestInit } | undefined;
  const spy = ((url: string, init: RequestInit) => {
    seen = { url, init };
    return Promise.resolve(new Response(null, { status: 204 }));
  }) as unknown as typeof fetch;
  const bytes = Buffer.from('{"data":[{"fields":{"x":5.0,"y":1e3}}]}');
  await pushPayload(bytes, 'p', { ...base, legacy: true, fetch: spy });
  assert.equal(seen?.url, 'http://b/');
  const h = seen?.init.headers as Record<string, string>;
  assert.equal(h.Authorization, 'JWT t');
  assert.equal(h['Content-Type'], 'application/json');
  assert.equal(Buffer.from(seen?.init.body as Uint8Array).toString(), bytes.toString());
});

test('duplicates the broker merged are printed after the points, with the first items', async () => {
  const body = { id: 9, status: 'pending', points: 36, duplicates: 36, duplicate_items: [1, 3, 5] };
  const r = await pushPayload(Buffer.from('{}'), 'rt.json', { ...base, fetch: once(Response.json(body, { status: 202 })) });
  assert.deepEqual(formatPushResult('rt.json', r), [
    'rt.json: accepted id=9 points=36 duplicates=36 (items 1, 3, 5, ... repeat the series and time of an earlier item: stored once, later values win)',
  ]);
  const dry = { valid: true, points: [{}], duplicates: 1, duplicate_items: [1] };
  const v = await pushPayload(Buffer.from('{}'), 'p', { ...base, dryRun: true, fetch: once(Response.json(dry, { status: 200 })) });
  assert.deepEqual(formatPushResult('p', v), ['p: valid points=1 duplicates=1 (items 1 repeat the series and time of an earlier item: stored once, later values win)']);
  const none = await pushPayload(Buffer.from('{}'), 'p', { ...base, fetch: once(Response.json({ id: 1, points: 2, duplicates: 0, duplicate_items: [] }, { status: 202 })) });
  assert.deepEqual(formatPushResult('p', none), ['p: accepted id=1 points=2']);
});
