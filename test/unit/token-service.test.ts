// Token checks stay exact when verified tokens are remembered: expiry and foreign keys still refuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenService } from '../../src/auth/tokens.js';
import { TokenInvalidError } from '../../src/errors.js';

const SECRET = 'k'.repeat(40);

describe('TokenService', () => {
  it('refuses a remembered token once it has expired (10 s leeway)', async () => {
    const tokens = new TokenService(SECRET, 60);
    const now = Math.floor(Date.now() / 1000);
    const token = await tokens.issue(3, now);
    assert.equal(await tokens.verify(token, now), 3);
    assert.equal(await tokens.verify(token, now + 69), 3, 'within the leeway');
    await assert.rejects(tokens.verify(token, now + 71), (err: unknown) => err instanceof TokenInvalidError && err.description === 'Signature has expired');
  });

  it('does not let a token signed with another key in through the memory of a good one', async () => {
    const ours = new TokenService(SECRET, 3600);
    const theirs = new TokenService('x'.repeat(40), 3600);
    const good = await ours.issue(1);
    await ours.verify(good);
    const forged = await theirs.issue(1);
    await assert.rejects(ours.verify(forged), (err: unknown) => err instanceof TokenInvalidError && err.description.startsWith('Signature verification failed'));
  });
});
