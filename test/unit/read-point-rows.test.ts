// Unit tests: the embedded store's bulk read (ReadStore.pointRows) indexes the filtered tag, and answers the same without the index.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { EmbeddedReadStore } from '../../src/embedded/read-store.js';
import { EmbeddedFixture, day, imageSize } from '../helpers/check-data.js';

describe('embedded pointRows', () => {
  let fx: EmbeddedFixture;
  before(async () => {
    fx = new EmbeddedFixture();
    const cfg = (n: number) => [{ measurement: 'fvp', binMode: 'Debug', fields: { BL31_T: n } }, { measurement: 'juno', binMode: 'Release', fields: { BL31_T: n + 1 } }];
    await fx.store([imageSize('a', cfg(1), day(1)), imageSize('b', cfg(2), day(2)), imageSize('c', cfg(3), day(3))]);
  });
  after(async () => fx?.close());

  const query = { measurements: ['fvp', 'juno', 'none'], from: 0n, to: 4_102_444_800_000_000_000n, where: { CommitID: ['a', 'c'], BinMode: ['Debug'] }, tags: ['CommitID', 'BinMode'] };
  const view = (rows: { measurement: string; tags: Record<string, string>; fields: Record<string, unknown> }[]) =>
    rows.map((r) => [r.measurement, r.tags['CommitID'], r.tags['BinMode'], r.fields['BL31_T'], Object.keys(r.tags).length]).sort();

  it('filters on the revision tag through an index on its value, made on first use', async () => {
    const store = new EmbeddedReadStore(fx.sink.database);
    const rows = await store.pointRows('TFA_ImageSize', query);
    assert.deepEqual(view(rows), [
      ['fvp', 'a', 'Debug', 1, 2],
      ['fvp', 'c', 'Debug', 3, 2],
    ]);
    const indexes = (fx.sink.database.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name);
    assert.ok(indexes.includes('series_tag_CommitID'), indexes.join(', '));
  });

  it('answers the same on a read-only handle, where no index can be made', async () => {
    const ro = new Database(path.join(fx.dir, 'store.sqlite'), { readonly: true });
    try {
      const rows = await new EmbeddedReadStore(ro).pointRows('TFA_ImageSize', { ...query, where: { BinMode: ['Release'], CommitID: ['b'] } });
      assert.deepEqual(view(rows), [['juno', 'b', 'Release', 3, 2]]);
    } finally {
      ro.close();
    }
  });
});
