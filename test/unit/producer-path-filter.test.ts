// Path rules: globs, parent-directory matches, command-line order, TF-A's default scope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePathRules, TFA_DEFAULT_RULES } from '../../src/producer/path-filter.js';

test("TF-A's default keeps everything but plat/, except plat/arm and plat/common", () => {
  const keep = compilePathRules(TFA_DEFAULT_RULES);
  assert.equal(keep('bl31/main.c'), true);
  assert.equal(keep('plat/nvidia/x.c'), false);
  assert.equal(keep('plat/arm/board/fvp/a.c'), true);
  assert.equal(keep('plat/common/aarch64/b.S'), true);
  assert.equal(keep('plat/armada/c.c'), false, 'a glob matches whole path segments');
  assert.equal(keep('platform.mk'), true);
});

test('globs: * stays in a directory, ** crosses them, ? is one character', () => {
  assert.equal(compilePathRules([{ include: true, glob: 'lib/*.c' }])('lib/a.c'), true);
  assert.equal(compilePathRules([{ include: true, glob: 'lib/*.c' }])('lib/x/a.c'), false);
  assert.equal(compilePathRules([{ include: true, glob: 'lib/**/*.c' }])('lib/x/y/a.c'), true);
  assert.equal(compilePathRules([{ include: true, glob: 'lib/**/*.c' }])('lib/a.c'), true);
  assert.equal(compilePathRules([{ include: true, glob: '**/*.h' }])('include/a/b.h'), true);
  assert.equal(compilePathRules([{ include: true, glob: 'a?.c' }])('ab.c'), true);
  assert.equal(compilePathRules([{ include: true, glob: 'a.c' }])('abc'), false, 'dots are literal');
});

test('a first include starts from nothing; a first exclude starts from everything; the last match wins', () => {
  const only = compilePathRules([{ include: true, glob: 'drivers' }]);
  assert.equal(only('drivers/x.c'), true);
  assert.equal(only('lib/x.c'), false);
  const rules = compilePathRules([
    { include: true, glob: 'drivers' },
    { include: false, glob: 'drivers/arm' },
    { include: true, glob: 'drivers/arm/gic' },
  ]);
  assert.equal(rules('drivers/arm/gic/v3.c'), true);
  assert.equal(rules('drivers/arm/tzc/t.c'), false);
  assert.equal(compilePathRules([])('anything'), true);
});
