// The built-in metric definitions against metrics.md and the payload fixture tables in test/fixtures/payloads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadRegistry } from '../../src/metrics/registry.js';
import { closeNames } from '../../src/metrics/suggest.js';
import { SPEC_DATABASES } from '../helpers/spec-databases.js';

// Tests run from the repository root (compiled to dist/test/unit), so data paths are relative to it.
const METRICS_DIR = 'metrics';
const FIXTURES_DIR = path.join('test', 'fixtures', 'payloads');

const EXPECTED = SPEC_DATABASES;

interface ValidCase {
  name: string;
  payload: unknown;
}
interface InvalidCase extends ValidCase {
  paths: string[];
}
interface FixtureTable {
  valid: ValidCase[];
  invalid: InvalidCase[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads one fixture table and checks its shape, so a malformed fixture fails loudly instead of testing nothing. */
function readTable(file: string): FixtureTable {
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  assert.ok(isRecord(raw), `${file}: not an object`);
  const { valid, invalid } = raw;
  assert.ok(Array.isArray(valid) && Array.isArray(invalid), `${file}: "valid" and "invalid" must be arrays`);
  for (const c of [...(valid as unknown[]), ...(invalid as unknown[])]) {
    assert.ok(isRecord(c) && typeof c['name'] === 'string' && 'payload' in c, `${file}: each case needs "name" and "payload"`);
  }
  for (const c of invalid as Record<string, unknown>[]) {
    const paths = c['paths'];
    assert.ok(
      Array.isArray(paths) && paths.length > 0 && paths.every((p) => typeof p === 'string' && (p === '' || p.startsWith('/'))),
      `${file}: invalid case "${String(c['name'])}" needs "paths", a non-empty list of JSON Pointers`,
    );
  }
  return raw as unknown as FixtureTable;
}

const registry = loadRegistry({ builtinDir: METRICS_DIR });

const metricFolders = readdirSync(METRICS_DIR)
  .filter((d) => statSync(path.join(METRICS_DIR, d)).isDirectory())
  .sort();
const fixtureFiles = readdirSync(FIXTURES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('built-in metric definitions', () => {
  it('are exactly the metrics of metrics.md, each with its database', () => {
    assert.deepEqual([...registry.names()].sort(), Object.keys(EXPECTED).sort());
    for (const [name, database] of Object.entries(EXPECTED)) {
      assert.equal(registry.get(name)?.database, database, `database of ${name}`);
    }
  });

  it('each have schema version 1.0, no pinned field types, and the right converter', () => {
    for (const name of registry.names()) {
      const def = registry.get(name);
      assert.ok(def);
      assert.deepEqual(def.versions, ['1.0'], `versions of ${name}`);
      assert.deepEqual({ ...def.fieldTypes }, {}, `${name} must not pin field types`);
      assert.equal(def.converter, name === 'tfm_image_size' ? 'tfm_image_size' : 'points', `converter of ${name}`);
    }
  });

  it('each have a fixture table, and each fixture table a metric folder', () => {
    assert.deepEqual(
      fixtureFiles.map((f) => f.replace(/\.json$/, '')),
      metricFolders,
    );
  });
});

for (const file of fixtureFiles) {
  const metric = file.replace(/\.json$/, '');
  const table = readTable(path.join(FIXTURES_DIR, file));

  describe(`payload fixtures: ${metric}`, () => {
    const def = registry.get(metric);

    it('has enough cases', () => {
      assert.ok(table.valid.length >= 2, 'at least 2 valid payloads');
      assert.ok(table.invalid.length >= 4, 'at least 4 invalid payloads');
      assert.ok(
        table.invalid.some((c) => new Set(c.paths.map((p) => /^\/data\/(\d+)\//.exec(p)?.[1]).filter(Boolean)).size >= 2),
        'at least one invalid case with violations in two different data items',
      );
      const names = [...table.valid, ...table.invalid].map((c) => c.name);
      assert.equal(new Set(names).size, names.length, 'case names are unique');
    });

    for (const c of table.valid) {
      it(`accepts: ${c.name}`, () => {
        assert.ok(def, `no metric definition named ${metric}`);
        assert.equal((c.payload as { metadata?: { metrics?: unknown } }).metadata?.metrics, metric);
        assert.deepEqual(def.validate('1.0', c.payload), []);
      });
    }

    for (const c of table.invalid) {
      it(`rejects: ${c.name}`, () => {
        assert.ok(def, `no metric definition named ${metric}`);
        const errors = def.validate('1.0', c.payload);
        assert.ok(errors.length > 0, 'expected violations, got none');
        const reported = errors.map((e) => e.path);
        for (const p of c.paths) {
          assert.ok(reported.includes(p), `expected a violation at ${p}; got ${JSON.stringify(errors)}`);
        }
        for (const e of errors) assert.ok(e.message.length > 0, `violation at ${e.path} has no message`);
      });
    }
  });
}

describe('typos in names', () => {
  const churn = (fields: Record<string, unknown>, tags: Record<string, unknown> = { Git_Tag_Date: 1, Base_Tag: 'a', Target_Tag: 'b' }) => ({
    api_version: '1.0',
    metadata: { metrics: 'tfa_code_churn' },
    data: [{ measurement: 'm', fields, tags, time: '2020-09-08' }],
  });

  it('names an extra field that is a typo of a missing required one', () => {
    const errors = registry.get('tfa_code_churn')!.validate('1.0', churn({ Lines_of_Changes: 1, Unrelated: 2 }));
    assert.deepEqual(errors, [
      { path: '/data/0/fields/Lines_of_Change', message: 'required property "Lines_of_Change" is missing ("Lines_of_Changes" is there: a typo?)' },
      { path: '/data/0/fields/Lines_of_Changes', message: 'unknown property "Lines_of_Changes" (did you mean "Lines_of_Change"?)' },
    ]);
  });

  it('does not blame a property the schema names, and hints once where extras are refused', () => {
    const errors = registry.get('tfa_code_churn')!.validate('1.0', churn({ Lines_of_Change: 1 }, { Git_Tag_Date: 1, Base_Tagg: 'a', Target_Tag: 'b' }));
    assert.deepEqual(errors, [
      { path: '/data/0/tags/Base_Tag', message: 'required property "Base_Tag" is missing ("Base_Tagg" is there: a typo?)' },
      { path: '/data/0/tags/Base_Tagg', message: 'property "Base_Tagg" is not allowed here (did you mean "Base_Tag"? allowed: Git_Tag_Date, Base_Tag, Target_Tag)' },
    ]);
  });

  it('finds close names, closest first, ignoring case, never the name itself', () => {
    const names = registry.names();
    assert.deepEqual(closeNames('tfa_code_chrun', names), ['tfa_code_churn', 'tfm_code_churn']);
    assert.deepEqual(closeNames('TFA_IMAGE_SIZE', names), ['tfa_image_size', 'tfm_image_size']);
    assert.deepEqual(closeNames('tfa_code_churn', names), ['tfm_code_churn']);
    assert.deepEqual(closeNames('something_else', names), []);
    assert.deepEqual(closeNames('ab', ['ac', 'xy', 'abc']), ['abc', 'ac']);
  });
});
