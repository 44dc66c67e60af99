// Unit tests: recorded checks in checks.sqlite: save, get by id, list by revision, verdict and limit, kept across reopening.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteCheckStore } from '../../src/check/check-store.js';
import type { CheckResult } from '../../src/check/result.js';
import { countRows } from '../../src/check/verdict.js';

function result(head: string, verdict: CheckResult['verdict']): CheckResult {
  const rows: CheckResult['rows'] = [
    { metric: 'tfa_image_size', series: { measurement: 'fvp', BinMode: 'Debug', field: 'BL31_total' }, base: 1, head: 2, delta: 1, delta_percent: 100, outcome: verdict === 'fail' ? 'fail' : 'pass', rule: 'r', baseline_revision: 'b' },
  ];
  return { id: null, verdict, counts: countRows(rows), head: { revisions: [head] }, baseline: { revisions: ['b'], candidates_skipped: 0 }, rows, waivers: [{ text: 'w', used: false }], created_at: new Date().toISOString() };
}

describe('check store (SQLite)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qmb-checks-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('saves, gets and lists checks, newest first, and keeps them when reopened', async () => {
    const store = new SqliteCheckStore(dir);
    assert.equal(path.basename(store.file), 'checks.sqlite');
    const a = await store.save(result('r1', 'fail'));
    const b = await store.save(result('r1', 'pass'));
    const c = await store.save(result('r2', 'fail'));
    assert.deepEqual([a.id, b.id, c.id], [1, 2, 3]);
    assert.deepEqual(await store.get(1), { ...result('r1', 'fail'), id: 1, created_at: a.created_at });
    assert.equal(await store.get(99), undefined);
    assert.deepEqual((await store.list()).map((s) => s.id), [3, 2, 1]);
    assert.deepEqual((await store.list({ revision: 'r1' })).map((s) => s.id), [2, 1]);
    assert.deepEqual((await store.list({ verdict: 'fail' })).map((s) => s.id), [3, 1]);
    assert.deepEqual((await store.list({ revision: 'r1', verdict: 'fail' })).map((s) => s.id), [1]);
    assert.deepEqual((await store.list({ limit: 1 })).map((s) => s.id), [3]);
    const summary = (await store.list({ limit: 1 }))[0] as Record<string, unknown>;
    assert.equal('rows' in summary, false);
    assert.deepEqual(summary['head'], { revisions: ['r2'] });
    await store.close();
    const again = new SqliteCheckStore(dir);
    assert.equal((await again.get(3))?.verdict, 'fail');
    assert.equal((await again.save(result('r3', 'warn'))).id, 4);
    await again.close();
  });
});
