// The metric patterns of a user (users.json `metrics`): `*` any run, `?` one character, the rest literal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricMatcher } from '../../src/auth/users.js';

test('metric patterns: * any run, ? one character, dots literal, several patterns are alternatives', () => {
  const tfa = metricMatcher(['tfa_*']);
  assert.equal(tfa('tfa_code_churn'), true);
  assert.equal(tfa('tfa_'), true);
  assert.equal(tfa('tfm_code_churn'), false);
  assert.equal(tfa('x_tfa_code_churn'), false, 'a pattern matches the whole name');
  assert.equal(metricMatcher(['*'])('tfm_image_size'), true);
  assert.equal(metricMatcher(['tf?_image_size'])('tfm_image_size'), true);
  assert.equal(metricMatcher(['tf?_image_size'])('tf_image_size'), false);
  assert.equal(metricMatcher(['a.b'])('axb'), false);
  const either = metricMatcher(['tfa_misra_defects', 'tfm_*']);
  assert.equal(either('tfa_misra_defects'), true);
  assert.equal(either('tfm_defects_stats'), true);
  assert.equal(either('tfa_rtinstr'), false);
  assert.equal(metricMatcher([])('tfa_rtinstr'), false);
  assert.equal(metricMatcher([''])('tfa_rtinstr'), false);
});
