// The item converter reports each problem once, at its own place.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonBody, type LosslessValue } from '../../src/ingest/json.js';
import { Problems } from '../../src/ingest/points.js';
import { convertItems } from '../../src/metrics/converters.js';

function convert(payload: unknown): Problems {
  const problems = new Problems();
  const body = JsonBody.parse(JSON.stringify(payload)).lossless() as { [key: string]: LosslessValue };
  convertItems(body, { fieldTypes: {}, now: 1n, problems });
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
});
