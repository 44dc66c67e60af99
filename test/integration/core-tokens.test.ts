// Tokens minted the way the older broker minted them are accepted; unsigned, foreign, expired and
// unknown-user tokens are refused with the older 401 body and the JWT challenge.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { InProcessBroker } from '../helpers/broker.js';
import { withInfluxBroker } from '../helpers/influx-broker.js';
import { type Reply, call, churnPayload, isErrorBody } from '../helpers/core-support.js';

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token as the older broker (flask-jwt, PyJWT) issued it: HS256 over {identity, iat, nbf, exp}, key = the secret's text. */
async function legacyToken(secret: string, identity: number, options: { iat?: number; nbf?: number; exp?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const iat = options.iat ?? now;
  return new SignJWT({ identity, iat, nbf: options.nbf ?? iat, exp: options.exp ?? iat + 365 * 86400 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

describe('tokens', { timeout: 60_000 }, () => {
  let broker: InProcessBroker;
  let n = 0;

  const body = (): unknown => churnPayload(++n, `2021-03-01T00:00:${String(n % 60).padStart(2, '0')}Z`, `token-${n}`);

  async function postWith(authorization: string | undefined, route: '/' | '/api/v1/metrics'): Promise<Reply> {
    return call(broker.app, 'POST', route, { body: body(), ...(authorization !== undefined ? { headers: { authorization } } : {}) });
  }

  function assertRefused(res: Reply, what: string): void {
    assert.equal(res.status, 401, `${what}: ${res.body}`);
    assert.equal(res.headers['www-authenticate'], 'JWT realm="Login Required"', `${what}: challenge`);
    assert.equal(typeof res.json.description, 'string', what);
    assert.equal(typeof res.json.error, 'string', what);
    assert.equal(res.json.status_code, 401, what);
    assert.ok(isErrorBody(res.json, 401), `${what}: ${res.body}`);
  }

  withInfluxBroker('in-process', {}, (s) => ({ broker } = s));

  it('accepts an older-broker token with the JWT and Bearer prefixes, in any case', async () => {
    const token = await legacyToken(broker.secret, 1);
    for (const scheme of ['JWT', 'Bearer', 'jwt', 'bearer', 'BEARER']) {
      const legacy = await postWith(`${scheme} ${token}`, '/');
      assert.equal(legacy.status, 204, `POST / with ${scheme}: ${legacy.body}`);
      const v1 = await postWith(`${scheme} ${token}`, '/api/v1/metrics');
      assert.equal(v1.status, 202, `POST /api/v1/metrics with ${scheme}: ${v1.body}`);
    }
  });

  it('accepts a token for the restricted user and a token expired within the 10 s leeway', async () => {
    const tfa = await legacyToken(broker.secret, 7);
    assert.equal((await postWith(`JWT ${tfa}`, '/')).status, 204);
    const now = Math.floor(Date.now() / 1000);
    const justExpired = await legacyToken(broker.secret, 1, { iat: now - 3600, exp: now - 3 });
    assert.equal((await postWith(`JWT ${justExpired}`, '/')).status, 204);
  });

  it('tokens from POST /auth verify with the secret as an HS256 key and carry identity, iat, nbf, exp', async () => {
    const res = await call(broker.app, 'POST', '/auth', { body: { username: 'tfa', password: 'tfa-password-7' } });
    assert.equal(res.status, 200, res.body);
    const [header, payload] = (res.json.access_token as string).split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    assert.equal(header.alg, 'HS256');
    assert.equal(payload.identity, 7);
    for (const claim of ['iat', 'nbf', 'exp']) assert.equal(typeof payload[claim], 'number', claim);
    assert.ok(payload.exp - payload.iat >= 364 * 86400, 'default lifetime about 365 days');
  });

  it('refuses alg none, a foreign key, expired and not-yet-valid tokens, and unknown users', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { identity: 1, iat: now, nbf: now, exp: now + 3600 };
    const cases: [string, string][] = [
      ['alg none, empty signature', `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`],
      ['alg None, empty signature', `${b64url({ alg: 'None', typ: 'JWT' })}.${b64url(claims)}.`],
      ['alg none without signature part', `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}`],
      ['HS256 with a foreign key', await legacyToken('a-completely-different-secret-of-enough-length', 1)],
      ['HS512 with the right key', await new SignJWT(claims).setProtectedHeader({ alg: 'HS512', typ: 'JWT' }).sign(new TextEncoder().encode(broker.secret))],
      ['expired beyond the leeway', await legacyToken(broker.secret, 1, { iat: now - 7200, exp: now - 60 })],
      ['not valid before the future', await legacyToken(broker.secret, 1, { iat: now, nbf: now + 3600, exp: now + 7200 })],
      ['unknown user id', await legacyToken(broker.secret, 4242)],
      ['tampered payload', await (async () => {
        const [h, , s] = (await legacyToken(broker.secret, 7)).split('.');
        return `${h}.${b64url({ ...claims, identity: 1 })}.${s}`;
      })()],
    ];
    for (const [what, token] of cases) {
      assertRefused(await postWith(`JWT ${token}`, '/'), `POST / ${what}`);
      assertRefused(await postWith(`Bearer ${token}`, '/api/v1/metrics'), `POST /api/v1/metrics ${what}`);
    }
    assertRefused(await postWith(undefined, '/'), 'no token');
    assertRefused(await postWith('Token abc', '/'), 'unknown scheme');
  });

  it('refused tokens store nothing', async () => {
    const counts = await broker.deps.journal.counts();
    const accepted = counts.pending + counts.delivered + counts.rejected;
    // 5 schemes x 2 routes + restricted user + leeway token
    assert.equal(accepted, 12);
  });
});
