// The folder import graph of a source tree, read from its import statements, and the cycles in it.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One import that makes an edge: the importing file and the specifier, relative to the root. */
export interface ImportSite {
  file: string;
  specifier: string;
}

/** Edges between nodes; each edge keeps the imports that make it. */
export type FolderGraph = Map<string, Map<string, ImportSite[]>>;

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * The node a file belongs to: its folder below the root (`journal/`), or, for a file directly in
 * the root (`broker.ts`), the file itself. Root files are the composition root and the shared
 * leaves (errors, config, clock); as one node they would make every folder a cycle with them.
 */
export function nodeOf(root: string, file: string): string {
  const rel = path.relative(root, file).split(path.sep);
  return rel.length > 1 ? `${rel[0]}/` : (rel[0] ?? '').replace(/\.[cm]?[jt]s$/, '.ts');
}

/**
 * Reads every `.ts` file under `root` and returns the graph of its folders. Relative imports only
 * (packages are not folders of the tree); type-only and dynamic imports count too, since they
 * couple the folders just the same.
 */
export function folderGraph(root: string): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const file of tsFiles(root)) {
    const from = nodeOf(root, file);
    const edges = graph.get(from) ?? new Map<string, ImportSite[]>();
    graph.set(from, edges);
    for (const imported of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      const specifier = imported.fileName;
      if (!specifier.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), specifier);
      if (path.relative(root, target).startsWith('..')) continue;
      const to = nodeOf(root, target);
      if (to === from) continue;
      const sites = edges.get(to) ?? [];
      sites.push({ file: path.relative(root, file), specifier });
      edges.set(to, sites);
    }
  }
  return graph;
}

/** Strongly connected components with more than one node (Tarjan), each sorted, in a stable order. */
export function cyclicGroups(graph: FolderGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return groups.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** One cycle through the group's first node, found by breadth-first search: `a/ -> b/ -> a/`. */
export function oneCycle(graph: FolderGraph, group: string[]): string[] {
  const inGroup = new Set(group);
  const start = group[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!inGroup.has(w)) continue;
      if (w === start) {
        const cycle = [start];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = previous.get(u)) cycle.splice(1, 0, u);
        return [...cycle, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

/** A cycle with the imports that make each of its edges, for a failure message. */
export function describeCycle(graph: FolderGraph, cycle: string[]): string {
  const lines = [cycle.join(' -> ')];
  for (let i = 0; i + 1 < cycle.length; i++) {
    const sites = graph.get(cycle[i]!)?.get(cycle[i + 1]!) ?? [];
    lines.push(`  ${cycle[i]} -> ${cycle[i + 1]}: ${sites.map((s) => `${s.file} imports ${s.specifier}`).join('; ')}`);
  }
  return lines.join('\n');
}
