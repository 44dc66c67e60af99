// Unit tests: the four time shapes of metrics.md, offsets, fractions, and clear refusals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonNumber } from '../../src/ingest/json.js';
import { MAX_TIME_NS, parseTime } from '../../src/ingest/time.js';

const ns = (value: unknown): bigint => {
  const r = parseTime(value);
  assert.ok(r.ok, `${String(value)}: ${r.ok ? '' : r.reason}`);
  return r.ns;
};
const INSTANT = 1599574965000000000n; // 2020-09-08T14:22:45Z

describe('parseTime', () => {
  it('reads RFC 3339 with Z, with offsets, and without offset (UTC)', () => {
    assert.equal(ns('2020-09-08T14:22:45Z'), INSTANT);
    assert.equal(ns('2020-09-08T14:22:45z'), INSTANT);
    assert.equal(ns('2020-09-08T14:22:45+00:00'), INSTANT);
    assert.equal(ns('2020-09-08T16:22:45+02:00'), INSTANT);
    assert.equal(ns('2020-09-08T09:52:45-04:30'), INSTANT);
    assert.equal(ns('2020-09-08T14:22:45'), INSTANT);
  });

  it("reads git's %ai and date-only shapes", () => {
    assert.equal(ns('2020-09-08 15:22:45 +0100'), INSTANT);
    assert.equal(ns('2020-09-08 14:22:45 +0000'), INSTANT);
    assert.equal(ns('2020-09-08 06:22:45 -0800'), INSTANT);
    assert.equal(ns('2020-09-08'), 1599523200000000000n);
  });

  it('reads integer nanoseconds as a number literal or digits in a string', () => {
    assert.equal(ns(new JsonNumber('1599574965000000000')), INSTANT);
    assert.equal(ns('1599574965000000000'), INSTANT);
    assert.equal(ns(new JsonNumber('0')), 0n);
    assert.equal(ns(new JsonNumber('-1000')), -1000n);
  });

  it('keeps fractional seconds to the nanosecond', () => {
    assert.equal(ns('2020-09-08T14:22:45.1Z'), INSTANT + 100_000_000n);
    assert.equal(ns('2020-09-08T14:22:45.123456789Z'), INSTANT + 123_456_789n);
    assert.equal(ns('2020-09-08T15:22:45.000000001+01:00'), INSTANT + 1n);
  });

  it('handles leap days and refuses impossible dates and times', () => {
    assert.ok(parseTime('2020-02-29').ok);
    for (const bad of ['2021-02-29', '2020-13-01', '2020-00-10', '2020-04-31', '2020-09-08T24:00:00Z', '2020-09-08T14:60:00Z', '2020-09-08T14:22:45+25:00']) {
      const r = parseTime(bad);
      assert.equal(r.ok, false, bad);
    }
  });

  it('refuses other shapes, fractions and exponents in numbers, other types, and out-of-range times, with a reason', () => {
    for (const bad of ['yesterday', '08/09/2020', '2020-9-8', '', ' ', 'Tue, 08 Sep 2020 14:22:45 GMT', new JsonNumber('1.5e18'), new JsonNumber('1599574965.5'), true, null, {}, []]) {
      const r = parseTime(bad);
      assert.equal(r.ok, false, JSON.stringify(bad));
      if (!r.ok) assert.ok(r.reason.length > 5);
    }
    assert.equal(parseTime(new JsonNumber((MAX_TIME_NS + 1n).toString())).ok, false);
    assert.equal(parseTime(new JsonNumber('99999999999999999999')).ok, false);
    assert.equal(parseTime('2263-01-01').ok, false);
    assert.equal(parseTime('1600-01-01').ok, false);
    // Years 0-99 once came out as 1900-1999.
    assert.equal(parseTime('0020-09-08').ok, false);
    assert.equal(parseTime('0099-12-31T23:59:59Z').ok, false);
  });
});
