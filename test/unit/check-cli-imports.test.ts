// `qmb check` and the single-file CLI load no native module and none of the broker's stores: they must run where better-sqlite3 was never built.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** dist/src, next to this file's dist/test/unit. */
const DIST_SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** The pure-JavaScript packages the producer side may use. */
const ALLOWED_PACKAGES = new Set(['commander', 'yaml', 'ajv', 'picomatch', '@sinclair/typebox', 'lossless-json', 'fastest-levenshtein']);

/** Every module reached from `entry` by static imports and re-exports: files of dist/src and bare package names. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  // `import x from '...'`, `import { a,\n b } from '...'`, `import '...'`, `export * from '...'`, `export { a } from '...'`.
  const specifier = /^\s*(?:import|export)\s+(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/gm;
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(specifier)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) todo.push(path.resolve(path.dirname(file), spec));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
    }
  }
  return { files, packages };
}

describe('qmb check: import graph', () => {
  it('reaches only pure-JavaScript packages, and none of the stores, the journal or the HTTP server', () => {
    const { files, packages } = importGraph(path.join(DIST_SRC, 'cli', 'check.js'));
    const rel = [...files].map((f) => path.relative(DIST_SRC, f).split(path.sep).join('/'));
    assert.ok(rel.includes('producer/check.js') && rel.includes('producer/push.js') && rel.includes('check/render-junit.js'), rel.join('\n'));
    for (const p of packages) assert.ok(ALLOWED_PACKAGES.has(p), `qmb check imports ${p}`);
    // The client's retry schedule is the broker's one Backoff; nothing else of the journal.
    const forbidden = rel.filter(
      (f) =>
        (f.startsWith('journal/') && f !== 'journal/backoff.js') ||
        /^(sinks|stored|http|auth|read|grafana)\//.test(f) ||
        ['check/check-store.js', 'check/index.js', 'check/check-source.js', 'broker.js', 'main.js', 'config.js'].includes(f),
    );
    assert.deepEqual(forbidden, []);
  });

  it('the single-file CLI (cli/producer-main.js) reaches no store, journal, server or native package either', () => {
    const { files, packages } = importGraph(path.join(DIST_SRC, 'cli', 'producer-main.js'));
    const rel = [...files].map((f) => path.relative(DIST_SRC, f).split(path.sep).join('/'));
    for (const verb of ['cli/check.js', 'cli/producer.js', 'cli/validate.js', 'metrics/registry.js']) assert.ok(rel.includes(verb), `${verb} not reached`);
    for (const p of packages) assert.ok(ALLOWED_PACKAGES.has(p) || p === 'ajv-draft-04', `qmb.mjs would bundle ${p}`);
    const forbidden = rel.filter(
      (f) => (f.startsWith('journal/') && f !== 'journal/backoff.js') || /^(sinks|stored|embedded|http|read|grafana)\//.test(f) || ['broker.js', 'main.js', 'cli/main.js', 'cli/serve.js'].includes(f),
    );
    assert.deepEqual(forbidden, []);
  });
});
