// Sums a V8 .cpuprofile by function (self time), by module and by broker stage; prints the top entries.
//
// Usage: node dist/bench/profile-summary.js FILE.cpuprofile [--top N]
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A short location: `src/ingest/json.ts`-like for our code, `pkg` for node_modules, `node:x` for Node. */
function moduleOf(url: string): string {
  if (!url) return '(native or VM)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return (rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]) ?? url;
  }
  const dist = url.lastIndexOf('/dist/');
  // Our compiled code: line numbers are those of the .js file.
  if (dist >= 0) return url.slice(dist + '/dist/'.length);
  return url.replace(/^file:\/\/.*\//, '');
}

function keyOf(f: CallFrame): string {
  return `${f.functionName || '(anonymous)'} ${moduleOf(f.url)}:${f.lineNumber + 1}`;
}

/** The broker stage a module belongs to, for the "where does the time go" table. */
function stageOf(f: CallFrame): string {
  const m = moduleOf(f.url);
  const name = f.functionName;
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8/native, no JS frame (program)';
  if (/^validate\d+$/.test(name) || m === 'ajv' || m === 'ajv-draft-04' || m === 'fast-uri') return 'Ajv validation (compiled schemas)';
  if (m === 'lossless-json' || m === 'src/ingest/json.js') return 'JSON parsing (lossless-json, toPlain)';
  if (m === 'src/ingest/line-protocol.js') return 'line protocol formatting';
  if (m.startsWith('src/ingest/') || m.startsWith('src/metrics/')) return 'conversion to points (src/ingest, src/metrics)';
  if (m === 'better-sqlite3' || m === 'src/journal/journal.js') return 'SQLite journal (better-sqlite3)';
  if (m === 'src/journal/worker.js' || m === 'src/sinks/influx.js' || m.includes('undici')) return 'delivery worker and InfluxDB client (undici fetch)';
  if (m === 'node:internal/crypto/random') return 'Fastify and routes';
  if (m === 'jose' || m.startsWith('src/auth/') || m.startsWith('node:internal/crypto/') || m === 'node:internal/worker/js_transferable')
    return 'auth (JWT verify: jose over WebCrypto, users)';
  if (m === 'prom-client' || m === 'src/telemetry.js') return 'telemetry (prom-client)';
  if (m === 'pino' || m === 'fastify' || m.startsWith('@fastify/') || m === 'find-my-way' || m === 'avvio' || m.startsWith('src/http/') || m.startsWith('fast-') || m === 'light-my-request' || m === 'secure-json-parse')
    return 'Fastify and routes';
  if (m.startsWith('node:_http') || m === 'node:net' || m.startsWith('node:internal/stream') || m.startsWith('node:stream') || m.startsWith('node:internal/http') || m === 'node:internal/streams/writable' || m === 'node:internal/streams/readable')
    return 'Node HTTP and streams';
  if (m.startsWith('node:')) return 'other Node internals';
  if (m === '(native or VM)') return 'native functions (no URL)';
  return `other: ${m}`;
}

function table(title: string, rows: [string, number][], total: number, top: number): string {
  const lines = [`\n${title}`, '| ms | % | |', '|---:|---:|---|'];
  for (const [k, v] of rows.sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`| ${(v / 1000).toFixed(0)} | ${((100 * v) / total).toFixed(1)} | ${k.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const argv = process.argv.slice(2);
  const file = argv.find((a) => !a.startsWith('--'));
  const topIdx = argv.indexOf('--top');
  const top = topIdx >= 0 ? Number(argv[topIdx + 1]) : 20;
  if (!file) {
    process.stderr.write('usage: profile-summary FILE.cpuprofile [--top N]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Each sample stands for the time until the next one (the last gets the mean).
  const selfUs = new Map<number, number>();
  const n = profile.samples.length;
  const mean = (profile.endTime - profile.startTime) / Math.max(1, n);
  for (let i = 0; i < n; i++) {
    const dt = i + 1 < n ? (profile.timeDeltas[i + 1] as number) : mean;
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }

  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);
  const busy = total - idle;

  const fnSelf = new Map<string, number>();
  const modSelf = new Map<string, number>();
  const stageSelf = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id) as ProfileNode;
    const f = node.callFrame;
    if (f.functionName === '(idle)') continue;
    const k = keyOf(f);
    fnSelf.set(k, (fnSelf.get(k) ?? 0) + us);
    const m = moduleOf(f.url);
    modSelf.set(m, (modSelf.get(m) ?? 0) + us);
    const s = stageOf(f);
    stageSelf.set(s, (stageSelf.get(s) ?? 0) + us);
    // Inclusive time of our own functions: every distinct src/ function on the stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = (byId.get(cur) as ProfileNode).callFrame;
      if (!moduleOf(cf.url).startsWith('src/')) continue;
      const ck = keyOf(cf);
      if (seen.has(ck)) continue;
      seen.add(ck);
      inclusive.set(ck, (inclusive.get(ck) ?? 0) + us);
    }
  }

  const out: string[] = [];
  out.push(
    `${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s not idle (${((100 * busy) / total).toFixed(0)}%); ` +
      `percentages below are of the non-idle time`,
  );
  out.push(table(`Top ${top} functions by self time`, [...fnSelf], busy, top));
  out.push(table('Self time by broker stage', [...stageSelf], busy, 30));
  out.push(table(`Top ${top} modules by self time`, [...modSelf], busy, top));
  out.push(table(`Top ${top} broker (src/) functions by inclusive time`, [...inclusive], busy, top));
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
