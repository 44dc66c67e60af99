// Unit tests: budgets files (YAML or JSON) checked against their schema, errors located by JSON Pointer and line; rules applied.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { decide, parseBudgets, validateBudgets } from '../../src/check/budgets.js';
import { budgetsJsonSchema } from '../../src/check/budgets-schema.js';
import { compareCount } from '../../src/check/compare-counts.js';
import { compareSize } from '../../src/check/compare-sizes.js';
import { BudgetsInvalidError, type ErrorDetail } from '../../src/errors.js';
import { loadRegistry } from '../../src/metrics/registry.js';

const registry = loadRegistry();

function problems(fn: () => unknown): ErrorDetail[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BudgetsInvalidError, String(err));
    assert.equal(err.code, 'BUDGETS_INVALID');
    assert.equal(err.status, 400);
    return err.details;
  }
  assert.fail('no error');
}

const GATE_MD_EXAMPLE = `
rules:                       # every rule whose match fits a row applies; the most severe outcome wins
  - metric: tfa_image_size
    match: { measurement: "fvp-*", BinMode: Release, field: "BL31_*" }   # globs on tags, measurement, field
    max_increase_bytes: 512          # limits of one rule are ANDed: broken only when all are exceeded
    max_increase_percent: 0.5
    severity: fail                   # fail | warn | info
  - metric: tfa_misra_defects
    match: { field: AdvisoryDefects }
    max_increase: 0                  # for counts
    severity: fail
defaults: builtin                    # builtin (the table above also applies) | none
`;

describe('budgets file', () => {
  it('reads the example of gate.md', () => {
    const b = parseBudgets(GATE_MD_EXAMPLE, { registry });
    assert.equal(b.defaults, 'builtin');
    assert.equal(b.rules.length, 2);
  });

  it('reads JSON too, and defaults to builtin and severity fail', () => {
    const b = parseBudgets('{"rules": [{"metric": "tfa_*", "max_increase": 1}]}', { registry });
    assert.equal(b.defaults, 'builtin');
    assert.equal(b.rules[0]?.severity, 'fail');
  });

  it('names each problem with its JSON Pointer and line', () => {
    const text = 'rules:\n  - metric: tfa_image_size\n    max_increase_bytes: lots\n    severity: fatal\n  - metric: tfa_image_size\n    colour: red\n    max_increase: 1\ndefaults: some\n';
    const d = problems(() => parseBudgets(text, { registry }));
    const byPath = Object.fromEntries(d.map((x) => [x.path, x.message]));
    assert.match(byPath['/rules/0/max_increase_bytes'] ?? '', /must be number.*\(line 3\)/);
    assert.match(byPath['/rules/0/severity'] ?? '', /must be one of "fail", "warn", "info" \(line 4\)/);
    assert.match(byPath['/rules/1/colour'] ?? '', /not allowed.*\(line 6\)/);
    assert.match(byPath['/defaults'] ?? '', /must be one of "builtin", "none" \(line 8\)/);
  });

  it('says where YAML syntax breaks', () => {
    const d = problems(() => parseBudgets('rules:\n  - metric: [tfa\n', { registry }));
    assert.equal(d[0]?.path, '');
    assert.match(d[0]?.message ?? '', /^line \d+, column \d+: /);
    const dup = problems(() => parseBudgets('defaults: none\ndefaults: builtin\n'));
    assert.match(dup[0]?.message ?? '', /^line 2, column 1: Map keys must be unique/);
  });

  it('refuses a rule without a limit, and a metric glob that names no metric', () => {
    const d = problems(() => parseBudgets('rules:\n  - metric: tfa_image_size\n    severity: warn\n  - metric: tfx_*\n    max_increase: 3\n', { registry }));
    assert.deepEqual(d.map((x) => x.path), ['/rules/0', '/rules/1/metric']);
    assert.match(d[1]?.message ?? '', /"tfx_\*" matches no metric/);
  });

  it('prefixes pointers inside a request body', () => {
    const d = problems(() => validateBudgets({ rules: [{ metric: 'tfa_image_size', max_increase: -1 }] }, { pointerPrefix: '/budgets' }));
    assert.equal(d[0]?.path, '/budgets/rules/0/max_increase');
  });

  it('schemas/budgets.schema.json is the schema the code checks against', () => {
    const file = JSON.parse(readFileSync('schemas/budgets.schema.json', 'utf8')) as unknown;
    assert.deepEqual(
      file,
      budgetsJsonSchema(),
      'regenerate it: node -e "import(\'./dist/src/check/budgets-schema.js\').then(m => process.stdout.write(JSON.stringify(m.budgetsJsonSchema(), null, 2) + \'\\n\'))" > schemas/budgets.schema.json',
    );
  });

  it('the served schema is plain JSON Schema that accepts the example and refuses bad files', () => {
    const schema = budgetsJsonSchema();
    assert.equal(schema['$schema'], 'http://json-schema.org/draft-07/schema#');
    const validate = new Ajv({ strict: true }).compile(JSON.parse(JSON.stringify(schema)));
    assert.equal(validate({ rules: [{ metric: 'tfa_image_size', match: { field: 'BL31_*' }, max_increase_bytes: 512, severity: 'fail' }], defaults: 'none' }), true);
    assert.equal(validate({ rules: [{ metric: 'x', severity: 'fatal' }] }), false);
    assert.equal(validate({ extra: 1 }), false);
  });
});

describe('budgets applied', () => {
  const series = { measurement: 'fvp-default', BinMode: 'Release', field: 'BL31_T' };
  const example = parseBudgets(GATE_MD_EXAMPLE, { registry });

  it('breaks a rule only when every limit it sets is exceeded', () => {
    // +600 B, +0.6 %: both exceeded.
    assert.equal(decide(example, 'tfa_image_size', series, compareSize(100000, 100600, false)).outcome, 'fail');
    // +600 B but +0.3 %: one limit holds.
    assert.equal(decide(example, 'tfa_image_size', series, compareSize(200000, 200600, false)).outcome, 'warn');
    // +100 B, +1 %: one limit holds; the builtin table warns.
    assert.deepEqual(decide(example, 'tfa_image_size', series, compareSize(10000, 10100, false)).outcome, 'warn');
  });

  it('matches globs on measurement, tags and field; a rule that does not match does not apply', () => {
    const debug = { ...series, BinMode: 'Debug' };
    assert.equal(decide(example, 'tfa_image_size', debug, compareSize(100000, 100600, false)).outcome, 'warn');
    const juno = { ...series, measurement: 'juno' };
    assert.equal(decide(example, 'tfa_image_size', juno, compareSize(100000, 100600, false)).outcome, 'warn');
  });

  it('tightens counts: max_increase 0 fails any Advisory rise (the builtin table only warns)', () => {
    const gate = registry.get('tfa_misra_defects')!.gate;
    const s = { measurement: 'fvp', BinMode: 'Debug', field: 'AdvisoryDefects' };
    const d = decide(example, 'tfa_misra_defects', s, compareCount(gate, 'AdvisoryDefects', 3, 4));
    assert.deepEqual(d, { outcome: 'fail', rule: 'budgets rule 2 (tfa_misra_defects field=AdvisoryDefects): > 0' });
  });

  it('cannot loosen the builtin table (most severe wins) but can with defaults: none', () => {
    const loose = parseBudgets('rules:\n  - metric: tfa_image_size\n    max_increase_bytes: 100000\n');
    assert.equal(decide(loose, 'tfa_image_size', series, compareSize(155033, 157321, true)).outcome, 'fail');
    const none = parseBudgets('defaults: none\nrules:\n  - metric: tfa_image_size\n    max_increase_bytes: 100000\n');
    assert.deepEqual(decide(none, 'tfa_image_size', series, compareSize(155033, 157321, true)), { outcome: 'pass', rule: 'within budgets rule 1 (tfa_image_size): > 100000 B' });
    assert.equal(decide(none, 'tfa_image_size', series, compareSize(155033, 255034, true)).outcome, 'fail');
    // No rule matches: nothing judges growth; a decrease still improves.
    assert.equal(decide(none, 'tfa_misra_defects', series, compareSize(1, 2, true)).outcome, 'pass');
    assert.equal(decide(none, 'tfa_misra_defects', series, compareSize(2, 1, true)).outcome, 'improved');
  });

  it('severity warn and info rules; new and removed rows are left to the table', () => {
    const b = parseBudgets('rules:\n  - metric: "*"\n    max_increase: 0\n    severity: info\n  - metric: tfa_image_size\n    max_increase_percent: 50\n    severity: warn\n');
    assert.equal(decide(b, 'tfa_code_churn', { field: 'x' }, compareSize(1, 2, false)).outcome, 'warn');
    assert.equal(decide(b, 'tfa_image_size', { field: 'x' }, compareSize(null, 2, false)).outcome, 'new');
  });
});
