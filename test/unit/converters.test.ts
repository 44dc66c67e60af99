// The converters report each problem once, at its own place (the JSON Pointer of the value).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonBody, type LosslessValue } from '../../src/ingest/json.js';
import { Problems } from '../../src/ingest/points.js';
import { convertItems, convertTfmImageSize } from '../../src/metrics/converters.js';

function convert(payload: unknown, converter = convertItems, fieldTypes = {}): Problems {
  const problems = new Problems();
  const body = JsonBody.parse(JSON.stringify(payload)).lossless() as { [key: string]: LosslessValue };
  converter(body, { fieldTypes, now: 1n, problems });
  return problems;
}

describe('convertItems', () => {
  it('blames an unstorable field key alone, not "every field is null" as well', () => {
    const problems = convert({ data: [{ measurement: 'm', fields: { 'bad\nkey': 1 }, time: '2020-01-01' }] });
    assert.deepEqual(problems.list.map((p) => p.path), ['/data/0/fields/bad\nkey']);
  });

  it('says so when every field is null, and when there are none', () => {
    const problems = convert({ data: [{ measurement: 'm', fields: { a: null }, time: '2020-01-01' }, { measurement: 'm', fields: {}, time: '2020-01-01' }] });
    assert.deepEqual(problems.list, [
      { path: '/data/0/fields', message: 'every field is null; at least one value is required' },
      { path: '/data/1/fields', message: 'at least one field is required' },
    ]);
  });

  it('points at each bad value: measurement, tag key and value, field key and value, time, item', () => {
    const problems = convert(
      {
        data: [
          { measurement: '#m', tags: { time: 'x', 'a/b': 'bad\\', ok: { nested: 1 } }, fields: { 'x~y': 'text', n: 1.5, time: 1 }, time: 'yesterday' },
          'not an item',
          { measurement: 'm', tags: [], fields: 1 },
        ],
      },
      convertItems,
      { n: 'integer' },
    );
    assert.deepEqual(
      problems.list.map((p) => p.path),
      ['/data/0/measurement', '/data/0/tags/time', '/data/0/tags/a~1b', '/data/0/tags/ok', '/data/0/fields/n', '/data/0/fields/time', '/data/0/time', '/data/1', '/data/2/tags', '/data/2/fields'],
    );
    const at = new Map(problems.list.map((p) => [p.path, p.message]));
    assert.match(at.get('/data/0/tags/a~1b')!, /backslash/);
    assert.match(at.get('/data/0/fields/n')!, /pinned to integer/);
    assert.match(at.get('/data/0/time')!, /yesterday/);
  });
});

describe('convertTfmImageSize', () => {
  it('points at a bad tag in metadata, a bad size in data and a bad commit time', () => {
    const problems = convert(
      {
        metadata: { data_producer: 'p', git_info: { commit_title: 'ends\\', commit_time: 'noon' }, build_info: { target: 'an-6' } },
        data: [{ file: 'bl2.axf', bss: 1, data: 'big', text: 3 }],
      },
      convertTfmImageSize,
      { bl2_d: 'integer' },
    );
    assert.deepEqual(
      problems.list.map((p) => p.path),
      ['/metadata/git_info/commit_title', '/metadata/git_info/commit_time', '/data/0/data'],
    );
  });
});
