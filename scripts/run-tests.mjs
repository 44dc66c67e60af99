// Runs every compiled test file (dist/test/**/*.test.js) with Node's test runner.
// Usage: node scripts/run-tests.mjs [filter...]  (a filter keeps files whose path contains it)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/**
 * @param {string} dir
 * @returns {string[]}
 */
function find(dir) {
  /** @type {string[]} */
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = find('dist/test')
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.QMB_TEST_CONCURRENCY ?? '2';
const res = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
process.exit(res.status ?? 1);
