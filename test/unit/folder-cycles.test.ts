// No folder of src/ imports, directly or through others, a folder that imports it back.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cyclicGroups, describeCycle, folderGraph, oneCycle } from '../helpers/folder-graph.js';

describe('folder import graph', () => {
  it('finds a cycle through three folders, with the imports that make it, and none in a one-way tree', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'qmb-folders-'));
    try {
      const write = (file: string, text: string): void => {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), text);
      };
      write('a/one.ts', "import { b } from '../b/two.js';\nexport const a = b;\n");
      write('b/two.ts', "import type {\n  C,\n} from '../c/three.js';\nexport const b = 1 as unknown as C;\n");
      write('c/three.ts', "export type C = number;\nexport const later = () => import('../a/one.js');\n");
      write('main.ts', "import { a } from './a/one.js';\nimport { b } from './b/two.js';\nexport const m = [a, b];\n");
      write('a/inner.ts', "import { a } from './one.js';\nexport const x = a;\n");
      const graph = folderGraph(root);
      const groups = cyclicGroups(graph);
      assert.deepEqual(groups, [['a/', 'b/', 'c/']]);
      const text = describeCycle(graph, oneCycle(graph, groups[0]!));
      assert.match(text, /^a\/ -> b\/ -> c\/ -> a\/\n/);
      assert.match(text, /b\/ -> c\/: b\/two\.ts imports \.\.\/c\/three\.js/);
      assert.match(text, /c\/ -> a\/: c\/three\.ts imports \.\.\/a\/one\.js/);

      // A file in the root is a node of its own: importing it back from a folder is a cycle too.
      write('a/inner.ts', "import { a } from './one.js';\nimport { m } from '../main.js';\nexport const x = [a, m];\n");
      assert.deepEqual(cyclicGroups(folderGraph(root)), [['a/', 'b/', 'c/', 'main.ts']]);

      write('c/three.ts', 'export type C = number;\n');
      write('a/inner.ts', "import { a } from './one.js';\nexport const x = a;\n");
      assert.deepEqual(cyclicGroups(folderGraph(root)), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('src/ has no folder cycle', () => {
    const graph = folderGraph(path.resolve('src'));
    assert.ok(graph.size > 10, 'the graph was read from src/');
    const cycles = cyclicGroups(graph).map((g) => describeCycle(graph, oneCycle(graph, g)));
    assert.deepEqual(cycles, [], `folder cycles in src/:\n${cycles.join('\n')}`);
  });
});
