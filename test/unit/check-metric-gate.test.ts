// Unit tests: metric.json declares the gate's revision tag, series tags and kind; bad values stop start-up naming the file.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { loadRegistry } from '../../src/metrics/registry.js';

const SCHEMA = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' };

describe('metric definitions: gate settings', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** A metrics dir with one metric whose metric.json has `extra` keys. */
  function extraDir(extra: Record<string, unknown>): { root: string; file: string } {
    const root = mkdtempSync(path.join(tmpdir(), 'qmb-metrics-'));
    dirs.push(root);
    mkdirSync(path.join(root, 'lab_power'));
    const file = path.join(root, 'lab_power', 'metric.json');
    writeFileSync(file, JSON.stringify({ name: 'lab_power', database: 'Lab_Power', ...extra }));
    writeFileSync(path.join(root, 'lab_power', 'schema-1.0.json'), JSON.stringify(SCHEMA));
    return { root, file };
  }

  it('names the revision tag of every built-in metric as gate.md says', () => {
    const r = loadRegistry();
    const rev = Object.fromEntries(r.all().map((m) => [m.name, m.gate.revisionTag ?? null]));
    assert.deepEqual(rev, {
      tfa_code_churn: 'Target_Tag',
      tfa_complexity_stats: 'Target_Tag',
      tfa_complexity_tracking: 'Target_Tag',
      tfa_defects_stats: null,
      tfa_defects_tracking: null,
      tfa_image_size: 'CommitID',
      tfa_misra_defects: 'CommitID',
      tfa_rtinstr: 'CommitID',
      tfm_code_churn: 'Target_Tag',
      tfm_complexity_stats: 'Target_Tag',
      tfm_defects_stats: null,
      tfm_image_size: 'CommitID',
    });
    const kind = Object.fromEntries(r.all().map((m) => [m.name, m.gate.kind]));
    assert.equal(kind['tfa_image_size'], 'sizes');
    assert.equal(kind['tfm_image_size'], 'sizes');
    assert.equal(kind['tfa_misra_defects'], 'counts');
    assert.equal(kind['tfa_complexity_stats'], 'set');
    assert.equal(kind['tfm_complexity_stats'], 'set');
    assert.equal(kind['tfa_rtinstr'], 'history');
    for (const m of ['tfa_defects_stats', 'tfa_defects_tracking', 'tfm_defects_stats', 'tfa_code_churn', 'tfm_code_churn']) assert.equal(kind[m], 'info', m);
    assert.deepEqual(r.get('tfa_image_size')?.gate.seriesTags, ['measurement', 'BinMode']);
    assert.deepEqual(r.get('tfm_image_size')?.gate.seriesTags, ['Target', 'Compiler', 'BuildType', 'CmakeConfig']);
    assert.deepEqual(r.get('tfa_rtinstr')?.gate.seriesTags, ['measurement', 'TC_Name', 'Cluster_ID', 'CPU_Core']);
    assert.deepEqual(r.get('tfa_misra_defects')?.gate.fail, ['MandatoryDefects', 'RequiredDefects']);
    assert.deepEqual(r.get('tfa_misra_defects')?.gate.warn, ['AdvisoryDefects']);
  });

  it('takes revisionTag, seriesTags and gate from a metric in QMB_METRICS_DIR', () => {
    const { root } = extraDir({ revisionTag: 'Build', seriesTags: ['measurement', 'Board'], gate: { kind: 'counts', fail: ['Watts'] } });
    const m = loadRegistry({ extraDir: root }).get('lab_power');
    assert.equal(m?.gate.revisionTag, 'Build');
    assert.deepEqual(m?.gate.seriesTags, ['measurement', 'Board']);
    assert.equal(m?.gate.kind, 'counts');
    assert.deepEqual(m?.gate.fail, ['Watts']);
  });

  it('defaults a metric without gate keys to informational rows, no revision tag', () => {
    const { root } = extraDir({});
    const m = loadRegistry({ extraDir: root }).get('lab_power');
    assert.equal(m?.gate.revisionTag, undefined);
    assert.equal(m?.gate.seriesTags, undefined);
    assert.equal(m?.gate.kind, 'info');
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['revisionTag not a string', { revisionTag: 5 }, /\/revisionTag must be string/],
    ['empty revisionTag', { revisionTag: '' }, /\/revisionTag/],
    ['seriesTags not a list', { seriesTags: 'Board' }, /\/seriesTags must be array/],
    ['seriesTags repeats a tag', { seriesTags: ['Board', 'Board'] }, /\/seriesTags/],
    ['seriesTags names the revision tag', { revisionTag: 'Build', seriesTags: ['Build'] }, /\/seriesTags must not name the revision tag "Build"/],
    ['unknown gate kind', { gate: { kind: 'sized' } }, /\/gate\/kind must be one of "sizes", "counts", "set", "history", "info", "none"/],
    ['unknown gate key', { gate: { kinds: 'sizes' } }, /\/gate\/kinds.*not allowed/],
    ['bad strip expression', { gate: { strip: { Board: '(' } } }, /\/gate\/strip\/Board/],
    ['countBy with fields', { gate: { countBy: 'Status', fields: ['Watts'] } }, /countBy and fields exclude each other/],
  ];
  for (const [name, extra, message] of bad) {
    it(`refuses at start-up, naming the file: ${name}`, () => {
      const { root, file } = extraDir(extra);
      assert.throws(
        () => loadRegistry({ extraDir: root }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.ok(err.message.startsWith(`${file}: `), err.message);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});
