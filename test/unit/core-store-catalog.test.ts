// Unit tests: the known field types and tag values stay bounded in memory, and what they forget makes the broker ask the store, never accept blindly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FieldValue, Point } from '../../src/ingest/points.js';
import { FieldTypeCatalog } from '../../src/stored/field-types.js';
import { MAX_SEEN_PER_KEY, TagValueCounts } from '../../src/stored/tag-values.js';

const WEEK_NS = 7n * 86_400n * 1_000_000_000n;
// Monday 2021-08-02 00:00 UTC, the start of a shard.
const MONDAY_NS = 1_627_862_400_000_000_000n;
const path = (i: number, part: string, name: string): string => `/data/${i}/${part}/${name}`;

function point(week: number, value: FieldValue, tags: [string, string][] = []): Point {
  return { measurement: 'm', tags, fields: [['f', value]], time: MONDAY_NS + BigInt(week) * WEEK_NS + 3600n * 1_000_000_000n };
}
const int = (n: number): FieldValue => ({ kind: 'integer', value: BigInt(n) });
const float = (n: number): FieldValue => ({ kind: 'float', value: n });

describe('FieldTypeCatalog', () => {
  it('refuses another type in a known shard, takes it in another shard', () => {
    const c = new FieldTypeCatalog();
    c.seed('db', undefined, undefined);
    c.record('db', c.inspect('db', [point(0, int(1))], path).additions);
    const same = c.inspect('db', [point(0, float(1.5))], path);
    assert.equal(same.conflicts.length, 1);
    assert.match(same.conflicts[0]!.message, /stored as integer .* sends float/);
    const other = c.inspect('db', [point(1, float(1.5))], path);
    assert.deepEqual([other.conflicts.length, other.lookups.length, other.additions.length], [0, 0, 1]);
  });

  it('keeps at most its cap of shard entries; a forgotten shard is asked about, not taken blindly', () => {
    const cap = 100;
    const c = new FieldTypeCatalog(cap);
    c.seed('db', undefined, undefined);
    for (let week = 0; week < 1000; week++) {
      c.record('db', c.inspect('db', [point(week, int(week))], path).additions);
      assert.ok(c.size <= cap, `size ${c.size} after week ${week}`);
    }
    // Week 0 was dropped long ago: a float there needs the store's word.
    const early = c.inspect('db', [point(0, float(0.5))], path);
    assert.equal(early.conflicts.length, 0);
    assert.equal(early.additions.length, 0);
    assert.equal(early.lookups.length, 1);
    assert.equal(early.lookups[0]!.start, MONDAY_NS);
    assert.equal(early.lookups[0]!.end, MONDAY_NS + WEEK_NS);
    assert.deepEqual(early.lookups[0]!.types, ['integer']);
    // The store says integer: now it is a conflict again.
    c.learn('db', early.lookups[0]!, 'integer');
    assert.equal(c.inspect('db', [point(0, float(0.5))], path).conflicts.length, 1);
  });

  it('after the store refused points, their shards are asked about again', () => {
    const c = new FieldTypeCatalog();
    c.seed('db', undefined, undefined);
    c.record('db', c.inspect('db', [point(0, float(1.5))], path).additions);
    assert.equal(c.inspect('db', [point(0, float(2.5))], path).lookups.length, 0);
    c.correct('db', [point(0, float(1.5))], { measurement: 'm', field: 'f', type: 'integer' });
    const next = c.inspect('db', [point(0, float(2.5))], path);
    assert.equal(next.lookups.length, 1);
    assert.deepEqual(next.lookups[0]!.types, ['integer', 'float']);
  });
});

describe('TagValueCounts', () => {
  const tagged = (values: string[]): Point[] => values.map((v) => point(0, int(1), [['k', v]]));
  const none = new Map<string, Set<string>>();

  it('remembers at most MAX_SEEN_PER_KEY values of a key; beyond, the count is an upper bound checked against the store near the limit', () => {
    const t = new TagValueCounts();
    t.set('db', 'm', 'k', 0, [], { complete: true, lowerOnly: false });
    const limit = MAX_SEEN_PER_KEY * 2;
    const all = Array.from({ length: MAX_SEEN_PER_KEY + 500 }, (_, i) => `v${i}`);
    t.record(t.inspect('db', tagged(all), path, limit, () => 0, none, false).additions);
    assert.equal(t.remembered, MAX_SEEN_PER_KEY);
    const state = t.get('db', 'm', 'k')!;
    assert.equal(state.count, all.length);
    assert.equal(state.complete, false);
    // Values it forgot count as new: far from the limit that is fine...
    const again = t.inspect('db', tagged(all.slice(-10)), path, limit, () => 0, none, false);
    assert.deepEqual([again.refusals.length, again.recounts.length], [0, 0]);
    // ...near it, the store is asked instead of refusing on a guess.
    const near = t.inspect('db', tagged(all.slice(-10)), path, all.length + 5, () => 0, none, false);
    assert.deepEqual([near.refusals.length, near.recounts.length], [0, 1]);
  });

  it('refuses on an exact count, naming tag, measurement, count and limit', () => {
    const t = new TagValueCounts();
    t.set('db', 'm', 'k', 2, ['a', 'b'], { complete: true, lowerOnly: false });
    const ok = t.inspect('db', tagged(['a', 'c']), path, 3, () => 0, none, false);
    assert.deepEqual([ok.refusals.length, ok.additions.length], [0, 1]);
    const over = t.inspect('db', tagged(['a', 'c', 'd']), path, 3, () => 0, none, false);
    assert.equal(over.refusals.length, 1);
    assert.equal(over.refusals[0]!.path, '/data/1/tags/k');
    assert.match(over.refusals[0]!.message, /tag "k" of measurement "m" would have 4 distinct values .* limit of 3\b/);
  });
});
