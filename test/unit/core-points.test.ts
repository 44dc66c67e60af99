// Unit tests: what line protocol cannot carry (nameProblem), typed field values by literal, repeated points.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DUPLICATE_ITEMS_LISTED, mergeDuplicates } from '../../src/ingest/duplicates.js';
import { JsonNumber } from '../../src/ingest/json.js';
import { type Point, Refusal, nameProblem, toFieldValue, toTagValue } from '../../src/ingest/points.js';

describe('nameProblem', () => {
  it('accepts plain text, specials that can be escaped, unicode and a backslash before an ordinary character', () => {
    for (const kind of ['measurement', 'tag key', 'tag value', 'field key'] as const) {
      for (const ok of ['plain', 'with space', 'a,b', 'ü😀', 'back\\slash', 'quote"d']) {
        assert.equal(nameProblem(kind, ok), undefined, `${kind} ${JSON.stringify(ok)}`);
      }
    }
    assert.equal(nameProblem('measurement', 'a=b'), undefined, 'equals signs need no escape in a measurement');
  });

  it('refuses empty text, newlines, a trailing backslash and a backslash before an escaped character', () => {
    const cases: [Parameters<typeof nameProblem>[0], string, RegExp][] = [
      ['tag value', '', /empty/],
      ['measurement', 'a\nb', /newline/],
      ['tag value', 'a\rb', /newline/],
      ['field key', 'x\n', /newline/],
      ['tag value', 'ends\\', /backslash/],
      ['measurement', 'ends\\', /backslash/],
      ['tag value', 'a\\,b', /backslash/],
      ['tag value', 'a\\ b', /backslash/],
      ['field key', 'a\\=b', /backslash/],
      ['measurement', 'a\\ b', /backslash/],
      ['measurement', '#comment', /#/],
      ['tag key', 'time', /time/],
      ['field key', 'time', /time/],
    ];
    for (const [kind, text, re] of cases) {
      const problem = nameProblem(kind, text);
      assert.ok(problem, `${kind} ${JSON.stringify(text)} is refused`);
      assert.match(problem, re);
      assert.ok(problem.includes(kind), `names the kind: ${problem}`);
    }
  });
});

describe('toFieldValue and toTagValue', () => {
  // The value, or undefined and the reason it cannot be stored.
  const outcome = <T>(r: T | Refusal | undefined) => (r instanceof Refusal ? { out: undefined, problems: [r.problem] } : { out: r, problems: [] });
  const field = (v: unknown, pinned?: 'integer' | 'float' | 'string' | 'boolean') => outcome(toFieldValue(v as never, pinned));

  it('lets the literal decide: 5 integer, 5.0 and 1e3 float', () => {
    assert.deepEqual(field(new JsonNumber('5')).out, { kind: 'integer', value: 5n });
    assert.deepEqual(field(new JsonNumber('5.0')).out, { kind: 'float', value: 5 });
    assert.deepEqual(field(new JsonNumber('1e3')).out, { kind: 'float', value: 1000 });
    assert.deepEqual(field(new JsonNumber('-0')).out, { kind: 'integer', value: 0n });
    assert.deepEqual(field(true).out, { kind: 'boolean', value: true });
    assert.deepEqual(field('x').out, { kind: 'string', value: 'x' });
    assert.equal(field(null).out, undefined);
    assert.deepEqual(field(null).problems, []);
  });

  it('pinned types win: 5 pinned float is a float, 5.0 pinned integer an integer, 5.5 pinned integer refused', () => {
    assert.deepEqual(field(new JsonNumber('5'), 'float').out, { kind: 'float', value: 5 });
    assert.deepEqual(field(new JsonNumber('5.0'), 'integer').out, { kind: 'integer', value: 5n });
    assert.equal(field(new JsonNumber('5.5'), 'integer').out, undefined);
    assert.equal(field(new JsonNumber('5.5'), 'integer').problems.length, 1);
    assert.equal(field('5', 'integer').problems.length, 1);
  });

  it('refuses integers beyond int64, numbers beyond a double, and objects, saying why', () => {
    assert.deepEqual(field(new JsonNumber('9223372036854775807')).out, { kind: 'integer', value: 9223372036854775807n });
    assert.deepEqual(field(new JsonNumber('-9223372036854775808')).out, { kind: 'integer', value: -9223372036854775808n });
    for (const bad of [new JsonNumber('9223372036854775808'), new JsonNumber('-9223372036854775809'), new JsonNumber('1e400'), { a: 1 }, [1]]) {
      const r = field(bad);
      assert.equal(r.out, undefined);
      assert.equal(r.problems.length, 1);
      assert.match(r.problems[0]!, /64-bit|must be numbers, strings or booleans/);
    }
  });

  it('tag values: numbers keep their literal, empty is omitted, unrepresentable ones are problems', () => {
    const tag = (v: unknown) => outcome(toTagValue(v as never));
    assert.equal(tag(new JsonNumber('20200908')).out, '20200908');
    assert.equal(tag(new JsonNumber('1.50')).out, '1.50');
    assert.equal(tag(true).out, 'true');
    assert.equal(tag('').out, undefined);
    assert.deepEqual(tag('').problems, []);
    assert.equal(tag('x\\').problems.length, 1);
    assert.equal(tag({}).problems.length, 1);
  });
});

describe('mergeDuplicates', () => {
  const int = (n: number) => ({ kind: 'integer', value: BigInt(n) }) as const;
  const point = (measurement: string, tags: [string, string][], time: bigint, fields: [string, number][]): Point => ({
    measurement,
    tags,
    time,
    fields: fields.map(([k, v]) => [k, int(v)]),
  });

  it('keeps one point per measurement, tags and time; fields united, the later value wins', () => {
    const merged = mergeDuplicates([
      point('m', [['a', '1']], 5n, [['x', 1], ['y', 2]]),
      point('m', [['a', '2']], 5n, [['x', 9]]),
      point('m', [['a', '1']], 6n, [['x', 9]]),
      point('n', [['a', '1']], 5n, [['x', 9]]),
      point('m', [['a', '1']], 5n, [['y', 3], ['z', 4]]),
    ]);
    assert.equal(merged.points.length, 4);
    assert.equal(merged.duplicates, 1);
    assert.deepEqual(merged.duplicateItems, [4]);
    assert.deepEqual(merged.points[0]!.fields, [['x', int(1)], ['y', int(3)], ['z', int(4)]]);
  });

  it('tells tags apart from names that only look alike when joined', () => {
    const merged = mergeDuplicates([point('m', [['a', 'b,c']], 1n, [['x', 1]]), point('m', [['a', 'b'], ['c', '']], 1n, [['x', 1]]), point('m,a', [], 1n, [['x', 1]])]);
    assert.equal(merged.duplicates, 0);
  });

  it(`counts every repeat but lists the first ${DUPLICATE_ITEMS_LISTED}`, () => {
    const points = Array.from({ length: 50 }, () => point('m', [], 1n, [['x', 1]]));
    const merged = mergeDuplicates(points);
    assert.equal(merged.points.length, 1);
    assert.equal(merged.duplicates, 49);
    assert.deepEqual(merged.duplicateItems, Array.from({ length: DUPLICATE_ITEMS_LISTED }, (_, i) => i + 1));
  });
});
