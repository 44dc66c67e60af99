// Unit tests: retry delays grow exponentially with jitter, are capped, and honour Retry-After.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff, parseRetryAfter } from '../../src/backoff.js';

describe('Backoff', () => {
  it('doubles the ceiling per failure, with jitter between half and all of it', () => {
    const low = new Backoff({ baseMs: 100, maxMs: 10_000, random: () => 0 });
    const high = new Backoff({ baseMs: 100, maxMs: 10_000, random: () => 0.999999 });
    for (const [failures, ceiling] of [[1, 100], [2, 200], [3, 400], [4, 800]] as const) {
      assert.equal(low.delay(failures), ceiling / 2);
      assert.ok(Math.abs(high.delay(failures) - ceiling) <= 1);
    }
  });

  it('never exceeds the cap', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.999999 });
    for (let f = 1; f < 60; f++) assert.ok(b.delay(f) <= 1000, `failure ${f}`);
  });

  it('waits at least what Retry-After asks', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
    assert.equal(b.delay(1, 5000), 5000);
    assert.equal(b.delay(1, 10), 50);
  });

  it('refuses nonsensical options', () => {
    assert.throws(() => new Backoff({ baseMs: 0 }), RangeError);
    assert.throws(() => new Backoff({ baseMs: 100, maxMs: 50 }), RangeError);
    assert.throws(() => new Backoff({ factor: 0.5 }), RangeError);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('5'), 5000);
    assert.equal(parseRetryAfter(' 0 '), 0);
    const now = Date.parse('2021-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Fri, 01 Jan 2021 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Thu, 31 Dec 2020 00:00:00 GMT', now), 0);
  });
  it('ignores missing and unreadable values', () => {
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter(''), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});
