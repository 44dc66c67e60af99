// Unit tests: line protocol formatting and the parser the embedded store uses, as a round trip.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPoint, parseLines } from '../../src/ingest/line-protocol.js';
import type { Point } from '../../src/ingest/points.js';

const point = (p: Partial<Point>): Point => ({ measurement: 'm', tags: [], fields: [['v', { kind: 'integer', value: 1n }]], time: 1n, ...p });

describe('line protocol', () => {
  it('formats integers with i, floats without, booleans, strings quoted, time in ns', () => {
    const line = formatPoint(
      point({
        tags: [['a', 'x']],
        fields: [
          ['i', { kind: 'integer', value: 5n }],
          ['f', { kind: 'float', value: 5 }],
          ['g', { kind: 'float', value: 2.5 }],
          ['b', { kind: 'boolean', value: true }],
          ['s', { kind: 'string', value: 'hi' }],
        ],
        time: 1599574965000000000n,
      }),
    );
    assert.equal(line, 'm,a=x i=5i,f=5,g=2.5,b=true,s="hi" 1599574965000000000');
  });

  it('escapes measurement (comma, space), keys and tag values (comma, equals, space), strings (quote, backslash)', () => {
    const line = formatPoint(
      point({
        measurement: 'a b,c=d',
        tags: [['k e,y=', 'v a,l=ue']],
        fields: [['f k,=', { kind: 'string', value: 'say "hi" \\ there' }]],
      }),
    );
    assert.equal(line, 'a\\ b\\,c=d,k\\ e\\,y\\==v\\ a\\,l\\=ue f\\ k\\,\\=="say \\"hi\\" \\\\ there" 1');
  });

  it('round-trips every kind of value and special character, including newlines in strings and unicode', () => {
    const points: Point[] = [
      point({
        measurement: 'odd, name=ü',
        tags: [
          ['Base Tag', 'v2.3, rc=1'],
          ['mid', 'back\\slash'],
          ['ünï', '😀'],
        ],
        fields: [
          ['big', { kind: 'integer', value: 9223372036854775807n }],
          ['neg', { kind: 'integer', value: -9223372036854775808n }],
          ['flt', { kind: 'float', value: -0.000123 }],
          ['t', { kind: 'boolean', value: false }],
          ['s', { kind: 'string', value: 'line 1\nline "2"\\\n,= ' }],
          ['trailing', { kind: 'string', value: 'ends with \\' }],
          ['empty', { kind: 'string', value: '' }],
        ],
        time: -5n,
      }),
      point({ measurement: 'second', time: 1599574965000000000n }),
    ];
    const text = points.map((p) => formatPoint(p)).join('\n');
    assert.deepEqual(parseLines(text), points);
  });
});
