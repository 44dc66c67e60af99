// Ingest benchmark: broker vs. direct InfluxDB /write, with every accepted point counted in InfluxDB.
//
// Usage: node dist/bench/ingest-bench.js [--duration S] [--quick] [--only churn|complexity[:C]]
//        [--connections 1,16,64] [--cpu-prof DIR] [--no-direct] [--json FILE]
import autocannon, { type AutocannonRequest } from 'autocannon';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { type BrokerProcess, startBrokerProcess } from '../test/helpers/broker.js';
import { type Influx, startInflux } from '../test/helpers/influxd.js';
import { waitFor } from '../test/helpers/ports.js';
import { COMPLEXITY_FUNCTIONS, churnBody, complexityBody, nsOf } from './payloads.js';

type PayloadKind = 'churn' | 'complexity';

interface Args {
  duration: number;
  connections: number[];
  only: { kind?: PayloadKind; connections?: number } | undefined;
  cpuProf: string | undefined;
  direct: boolean;
  json: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { duration: 10, connections: [1, 16, 64], only: undefined, cpuProf: undefined, direct: true, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--duration') args.duration = Number(next());
    else if (a === '--quick') args.duration = 3;
    else if (a === '--connections') args.connections = next().split(',').map(Number);
    else if (a === '--only') {
      const [kind, c] = next().split(':');
      if (kind !== 'churn' && kind !== 'complexity') throw new Error('--only takes churn or complexity, optionally :CONNECTIONS');
      args.only = { kind, ...(c ? { connections: Number(c) } : {}) };
    } else if (a === '--cpu-prof') args.cpuProf = next();
    else if (a === '--no-direct') args.direct = false;
    else if (a === '--json') args.json = next();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(readFileSync(new URL(import.meta.url)).toString().split('\n').slice(0, 4).join('\n') + '\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!(args.duration > 0)) throw new Error('--duration must be a positive number of seconds');
  if (args.connections.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--connections takes positive integers');
  return args;
}

// ---------------------------------------------------------------------------------------------
// Load: autocannon with a per-request body; stops cleanly so no request is cut off in flight.

interface LoadResult {
  sent: number;
  accepted: number;
  statuses: Record<string, number>;
  errors: number;
  /** Milliseconds of the accepted requests, sorted. */
  latencies: number[];
  startedAt: number;
  lastResponseAt: number;
  /** Seconds from the first request to the last response. */
  elapsed: number;
  /** CPU seconds the load generator (this process) used. */
  loadCpu: number;
}

interface LoadOptions {
  url: string;
  path: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
  body: (seq: number) => string;
  /** Cheap request sent while the last loaded requests finish (it is never counted). */
  idlePath: string;
  /** Runs as soon as every loaded request is answered (before autocannon's own wind-down). */
  afterLoad?: () => Promise<void>;
}

async function drive(o: LoadOptions): Promise<LoadResult> {
  let draining = false;
  let seq = 0;
  let answered = 0;
  let accepted = 0;
  let errors = 0;
  let lastKind = '';
  let lastResponseAt = 0;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const clients: { destroy(): void }[] = [];
  const idle: AutocannonRequest = { method: 'GET', path: o.idlePath, headers: {}, body: '' };

  const cpu0 = process.cpuUsage();
  const startedAt = performance.now();
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const instance = autocannon(
    {
      url: o.url,
      connections: o.connections,
      pipelining: 1,
      // The run is ended by us (after draining), not by autocannon's timer.
      duration: o.durationS + 3600,
      timeout: 120,
      setupClient: (client: { destroy(): void }) => clients.push(client),
      requests: [
        {
          method: 'POST',
          path: o.path,
          headers: o.headers,
          setupRequest: (req, ctx) => {
            if (draining) {
              ctx['kind'] = 'idle';
              return { ...req, ...idle };
            }
            ctx['kind'] = 'load';
            return { ...req, body: o.body(seq++) };
          },
          onResponse: (status, _body, ctx) => {
            lastKind = ctx['kind'] as string;
            if (lastKind !== 'load') return;
            answered++;
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (status >= 200 && status < 300) accepted++;
            lastResponseAt = performance.now();
          },
        },
      ],
    },
    (err) => {
      if (err) process.stderr.write(`autocannon: ${err.message}\n`);
      finished();
    },
  );
  // 'response' follows the request's onResponse synchronously, so lastKind names this response.
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (lastKind === 'load' && status >= 200 && status < 300) latencies.push(ms);
  });
  instance.on('reqError', () => {
    errors++;
  });

  await new Promise((r) => setTimeout(r, o.durationS * 1000));
  draining = true;
  const sentAtDrain = seq;
  const deadline = Date.now() + 120_000;
  while (answered + errors < sentAtDrain && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  for (const c of clients) c.destroy();
  instance.stop();
  await o.afterLoad?.();
  // autocannon winds down on its next one-second tick.
  await done;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    sent: sentAtDrain,
    accepted,
    statuses,
    errors: Math.max(errors, sentAtDrain - answered),
    latencies,
    startedAt,
    lastResponseAt,
    elapsed: (lastResponseAt - startedAt) / 1000,
    loadCpu: (cpu.user + cpu.system) / 1e6,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

// ---------------------------------------------------------------------------------------------
// Processes: RSS, CPU time.

function procStatus(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(VmHWM|VmRSS):\s+(\d+) kB/.exec(line);
    if (m) out[m[1] as string] = Number(m[2]) / 1024;
  }
  return out;
}

/** Bytes a process has caused to be written to the disk so far (journal inserts, WAL, fsyncs). */
function diskWrites(pid: number): number {
  const m = /^write_bytes:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

const CLK_TCK = 100;

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** The influxd the helper started (its command line names its temporary config). */
function influxPid(influx: Influx): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(influx.dir)) return Number(name);
    } catch {
      // gone
    }
  }
  return undefined;
}

/**
 * The test helper's broker, restarted as `node --cpu-prof --cpu-prof-dir=DIR dist/src/cli/main.js serve`
 * with the same data dir, secret and port (Node refuses --cpu-prof in NODE_OPTIONS). The profile
 * is written when the broker exits after SIGTERM.
 */
async function startProfiledBroker(env: Record<string, string>, dir: string): Promise<BrokerProcess> {
  const base = await startBrokerProcess(env);
  await base.stop();
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QMB_')) childEnv[k] = v;
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`, path.resolve('dist/src/cli/main.js'), 'serve'], {
    env: { ...childEnv, ...base.env, QMB_PORT: String(base.port), QMB_HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`profiled broker exited ${child.exitCode}`);
    return (await fetch(`${base.url}/healthz`)).ok;
  }, 20_000, 'the profiled broker to answer /healthz');
  return {
    ...base,
    child: () => child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Cases.

interface PayloadSpec {
  kind: PayloadKind;
  metric: string;
  database: string;
  measurement: string;
  field: string;
  /** Points per broker request. */
  points: number;
  /** Points per direct /write request. */
  directPoints: number;
  body: (baseMs: number, seq: number) => string;
}

const PAYLOADS: PayloadSpec[] = [
  {
    kind: 'churn',
    metric: 'tfa_code_churn',
    database: 'TFA_CodeChurn',
    measurement: 'TFA_CodeChurn_Tracking',
    field: 'Lines_of_Change',
    points: 1,
    directPoints: 1,
    body: churnBody,
  },
  {
    kind: 'complexity',
    metric: 'tfa_complexity_stats',
    database: 'TFA_Complexity',
    measurement: 'TFA_Complexity_Statistics',
    field: 'Score',
    points: COMPLEXITY_FUNCTIONS,
    directPoints: 100,
    body: complexityBody,
  },
];

const DIRECT_DB = 'qmb_bench_direct';
const DAY_MS = 86_400_000;
// Each run writes into its own day, so counts never mix.
const FIRST_DAY_MS = Date.UTC(2021, 0, 4);

interface RunFigures {
  target: 'broker' | 'direct';
  kind: PayloadKind;
  connections: number;
  pointsPerRequest: number;
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
  acceptedPoints: number;
  countedPoints: number;
  /** Seconds from the first request until the last point was in InfluxDB. */
  landedSeconds: number;
  landedPerSec: number;
  /** Seconds the broker needed after the last response to empty its journal. */
  drainSeconds: number;
  brokerCpu: number;
  /** MB the broker wrote to the disk during the case. */
  brokerDiskMb: number;
  influxCpu: number;
  loadCpu: number;
  allLanded: boolean;
}

interface Env {
  influx: Influx;
  broker: BrokerProcess;
  token: string;
  influxPid: number | undefined;
  directLines: Map<PayloadKind, string[]>;
}

async function readyz(broker: BrokerProcess): Promise<{ pending: number }> {
  const res = await fetch(`${broker.url}/readyz`);
  const body = (await res.json()) as { checks?: { journal?: { pending_points?: number } } };
  const pending = body.checks?.journal?.pending_points;
  if (typeof pending !== 'number') throw new Error(`/readyz has no checks.journal.pending_points: ${JSON.stringify(body)}`);
  return { pending };
}

async function countPoints(env: Env, db: string, spec: PayloadSpec, dayMs: number): Promise<number> {
  const from = BigInt(dayMs) * 1_000_000n;
  const to = BigInt(dayMs + DAY_MS) * 1_000_000n;
  const q = `SELECT COUNT("${spec.field}") FROM "${spec.measurement}" WHERE time >= ${from} AND time < ${to}`;
  const rows = await env.influx.rows(db, q);
  return Number(rows[0]?.['count'] ?? 0);
}

/** The broker's own line protocol for a payload, without the time, so the direct baseline writes the same points. */
async function brokerLines(broker: BrokerProcess, token: string, spec: PayloadSpec): Promise<string[]> {
  const res = await fetch(`${broker.url}/api/v1/validate`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: spec.body(FIRST_DAY_MS, 0),
  });
  const body = (await res.json()) as { line_protocol?: string };
  if (!res.ok || typeof body.line_protocol !== 'string') throw new Error(`validate failed (${res.status}): ${JSON.stringify(body)}`);
  const lines = body.line_protocol.split('\n');
  if (lines.length !== spec.points) throw new Error(`expected ${spec.points} lines, got ${lines.length}`);
  return lines.map((l) => l.slice(0, l.lastIndexOf(' ')));
}

async function runBroker(env: Env, spec: PayloadSpec, connections: number, durationS: number, dayMs: number): Promise<RunFigures> {
  const { broker } = env;
  const pid = broker.child()?.pid as number;
  const b0 = cpuSeconds(pid);
  const w0 = diskWrites(pid);
  const i0 = env.influxPid ? cpuSeconds(env.influxPid) : 0;
  let landedAt = 0;
  const load = await drive({
    url: broker.url,
    path: '/api/v1/metrics',
    headers: { Authorization: `Bearer ${env.token}`, 'Content-Type': 'application/json' },
    connections,
    durationS,
    body: (seq) => spec.body(dayMs, seq),
    idlePath: '/healthz',
    // Landed when the journal is empty; it stays empty since nothing else is sent.
    afterLoad: async () => {
      const deadline = Date.now() + 600_000;
      for (;;) {
        const { pending } = await readyz(broker);
        landedAt = performance.now();
        if (pending === 0) return;
        if (Date.now() > deadline) throw new Error(`journal still holds ${pending} points after 10 minutes`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  });
  const b1 = cpuSeconds(pid);
  const w1 = diskWrites(pid);
  const i1 = env.influxPid ? cpuSeconds(env.influxPid) : 0;
  const counted = await countPoints(env, spec.database, spec, dayMs);
  const acceptedPoints = load.accepted * spec.points;
  const landedSeconds = (landedAt - load.startedAt) / 1000;
  return {
    target: 'broker',
    kind: spec.kind,
    connections,
    pointsPerRequest: spec.points,
    requests: load.accepted,
    reqPerSec: load.accepted / load.elapsed,
    p50: percentile(load.latencies, 50),
    p99: percentile(load.latencies, 99),
    statuses: load.statuses,
    errors: load.errors,
    acceptedPoints,
    countedPoints: counted,
    landedSeconds,
    landedPerSec: counted / landedSeconds,
    drainSeconds: (landedAt - load.lastResponseAt) / 1000,
    brokerCpu: b1 - b0,
    brokerDiskMb: (w1 - w0) / 1048576,
    influxCpu: i1 - i0,
    loadCpu: load.loadCpu,
    allLanded: counted === acceptedPoints && load.errors === 0,
  };
}

async function runDirect(env: Env, spec: PayloadSpec, connections: number, durationS: number, dayMs: number): Promise<RunFigures> {
  const lines = env.directLines.get(spec.kind) as string[];
  const groups = lines.length / spec.directPoints;
  const i0 = env.influxPid ? cpuSeconds(env.influxPid) : 0;
  const load = await drive({
    url: env.influx.url,
    path: `/write?db=${DIRECT_DB}&precision=ns`,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    connections,
    durationS,
    body: (seq) => {
      const t = ` ${nsOf(dayMs, seq)}`;
      const start = (seq % groups) * spec.directPoints;
      let out = '';
      for (let i = start; i < start + spec.directPoints; i++) out += `${lines[i]}${t}\n`;
      return out;
    },
    idlePath: '/ping',
  });
  const i1 = env.influxPid ? cpuSeconds(env.influxPid) : 0;
  const counted = await countPoints(env, DIRECT_DB, spec, dayMs);
  const acceptedPoints = load.accepted * spec.directPoints;
  return {
    target: 'direct',
    kind: spec.kind,
    connections,
    pointsPerRequest: spec.directPoints,
    requests: load.accepted,
    reqPerSec: load.accepted / load.elapsed,
    p50: percentile(load.latencies, 50),
    p99: percentile(load.latencies, 99),
    statuses: load.statuses,
    errors: load.errors,
    acceptedPoints,
    countedPoints: counted,
    landedSeconds: load.elapsed,
    landedPerSec: counted / load.elapsed,
    drainSeconds: 0,
    brokerCpu: 0,
    brokerDiskMb: 0,
    influxCpu: i1 - i0,
    loadCpu: load.loadCpu,
    allLanded: counted === acceptedPoints && load.errors === 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Output.

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');

function describe(r: RunFigures): string {
  const other = Object.entries(r.statuses).filter(([s]) => !s.startsWith('2'));
  const cpu = r.target === 'broker' ? `broker wrote ${f1(r.brokerDiskMb)} MB to disk; cpu s: broker ${f1(r.brokerCpu)} (${f0((1e6 * r.brokerCpu) / Math.max(1, r.requests))} µs/req) influxd ${f1(r.influxCpu)} load ${f1(r.loadCpu)}` : `cpu s: influxd ${f1(r.influxCpu)} load ${f1(r.loadCpu)}`;
  return (
    `  ${r.target.padEnd(6)} ${f0(r.requests)} accepted req (${f0(r.reqPerSec)} req/s, ${r.pointsPerRequest} pt/req), ` +
    `p50 ${f1(r.p50)} ms, p99 ${f1(r.p99)} ms; landed ${f0(r.countedPoints)} of ${f0(r.acceptedPoints)} accepted points ` +
    `in ${f1(r.landedSeconds)} s = ${f0(r.landedPerSec)} pt/s` +
    (r.target === 'broker' ? ` (journal emptied ${f2(r.drainSeconds)} s after the last response)` : '') +
    (other.length ? `; other answers ${JSON.stringify(Object.fromEntries(other))}` : '') +
    (r.errors ? `; ${r.errors} request errors` : '') +
    `; ${cpu}; all accepted points landed: ${r.allLanded ? 'yes' : 'NO'}`
  );
}

interface Target {
  name: string;
  value: number;
  limit: number;
  better: 'higher' | 'lower';
}

function targetLine(t: Target): string {
  const ok = t.better === 'higher' ? t.value >= t.limit : t.value <= t.limit;
  return `  ${ok ? 'MET ' : 'MISS'} ${t.name}: ${t.value.toFixed(3)} (target ${t.better === 'higher' ? '≥' : '≤'} ${t.limit})`;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const cleanups: (() => unknown)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const c of cleanups.reverse()) {
        try {
          await c();
        } catch (err) {
          process.stderr.write(`cleanup: ${(err as Error).message}\n`);
        }
      }
    })());
  const onSignal = (sig: NodeJS.Signals): void => {
    process.stderr.write(`\n${sig}: stopping influxd and the broker\n`);
    void cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const load0 = os.loadavg();
    process.stdout.write(
      `Ingest benchmark: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, ` +
        `load average ${load0.map(f2).join(' ')} at start; ${args.duration} s per case\n`,
    );

    const influx = await startInflux();
    cleanups.push(() => influx.stop());
    await influx.query(undefined, `CREATE DATABASE ${DIRECT_DB}`);

    const env: Record<string, string> = { QMB_INFLUX_URL: influx.url, QMB_LOG_LEVEL: 'warn' };
    for (const k of ['QMB_JOURNAL_MAX_POINTS', 'QMB_BATCH_MAX_POINTS']) {
      const v = process.env[k];
      if (v) env[k] = v;
    }
    const broker = args.cpuProf ? await startProfiledBroker(env, args.cpuProf) : await startBrokerProcess(env);
    cleanups.push(() => broker.cleanup());
    cleanups.push(() => broker.stop());
    const token = broker.token('ci');
    const brokerPid = broker.child()?.pid as number;
    process.stdout.write(
      `influxd ${influx.url} (pid ${influxPid(influx) ?? '?'}), broker ${broker.url} (pid ${brokerPid})` +
        `${Object.keys(env).filter((k) => k !== 'QMB_INFLUX_URL' && k !== 'QMB_LOG_LEVEL').map((k) => `, ${k}=${env[k]}`).join('')}\n`,
    );

    const directLines = new Map<PayloadKind, string[]>();
    for (const spec of PAYLOADS) directLines.set(spec.kind, await brokerLines(broker, token, spec));
    const ctx: Env = { influx, broker, token, influxPid: influxPid(influx), directLines };

    // Warm-up (JIT, database creation, connections), into its own day; not reported.
    let day = FIRST_DAY_MS;
    for (const spec of PAYLOADS.filter((p) => !args.only?.kind || p.kind === args.only.kind)) {
      await runBroker(ctx, spec, 4, Math.min(2, args.duration), day);
      if (args.direct) await runDirect(ctx, spec, 4, Math.min(2, args.duration), day);
    }
    day += DAY_MS;

    const results: RunFigures[] = [];
    for (const spec of PAYLOADS) {
      if (args.only?.kind && args.only.kind !== spec.kind) continue;
      for (const c of args.connections) {
        if (args.only?.connections && args.only.connections !== c) continue;
        process.stdout.write(`\n${spec.kind} (${spec.metric}, ${spec.points} point${spec.points > 1 ? 's' : ''} per payload), concurrency ${c}\n`);
        const b = await runBroker(ctx, spec, c, args.duration, day);
        day += DAY_MS;
        process.stdout.write(`${describe(b)}\n`);
        results.push(b);
        if (args.direct) {
          const d = await runDirect(ctx, spec, c, args.duration, day);
          day += DAY_MS;
          process.stdout.write(`${describe(d)}\n`);
          results.push(d);
          process.stdout.write(
            `  ratio broker/direct: landed points/s ${f2(b.landedPerSec / d.landedPerSec)}, ` +
              `requests/s ${f2(b.reqPerSec / d.reqPerSec)} (direct ${d.pointsPerRequest} pt/req)\n`,
          );
        }
        const mem = procStatus(brokerPid);
        process.stdout.write(`  broker RSS ${f0(mem['VmRSS'] ?? NaN)} MB now, peak (VmHWM) ${f0(mem['VmHWM'] ?? NaN)} MB\n`);
      }
    }

    const mem = procStatus(brokerPid);
    const peak = mem['VmHWM'] ?? NaN;
    process.stdout.write('\nSummary\n');
    process.stdout.write('| payload | c | broker req/s | p50 ms | p99 ms | broker landed pt/s | direct landed pt/s | ratio | all landed |\n');
    process.stdout.write('|---|---:|---:|---:|---:|---:|---:|---:|---|\n');
    for (const b of results.filter((r) => r.target === 'broker')) {
      const d = results.find((r) => r.target === 'direct' && r.kind === b.kind && r.connections === b.connections);
      process.stdout.write(
        `| ${b.kind} | ${b.connections} | ${f0(b.reqPerSec)} | ${f1(b.p50)} | ${f1(b.p99)} | ${f0(b.landedPerSec)} | ` +
          `${d ? f0(d.landedPerSec) : '-'} | ${d ? f2(b.landedPerSec / d.landedPerSec) : '-'} | ${b.allLanded && (d?.allLanded ?? true) ? 'yes' : 'NO'} |\n`,
      );
    }
    process.stdout.write(`\nBroker peak RSS (VmHWM): ${f0(peak)} MB\n`);

    const targets: Target[] = [];
    const pair = (kind: PayloadKind, c: number): [RunFigures | undefined, RunFigures | undefined] => [
      results.find((r) => r.target === 'broker' && r.kind === kind && r.connections === c),
      results.find((r) => r.target === 'direct' && r.kind === kind && r.connections === c),
    ];
    const [b64, d64] = pair('churn', 64);
    if (b64 && d64) targets.push({ name: 'one-point c=64 landed rate, broker/direct', value: b64.landedPerSec / d64.landedPerSec, limit: 0.3, better: 'higher' });
    for (const c of args.connections) {
      const [b, d] = pair('complexity', c);
      if (b && d) targets.push({ name: `200-point c=${c} landed rate, broker/direct 100-point batches`, value: b.landedPerSec / d.landedPerSec, limit: 0.5, better: 'higher' });
    }
    for (const kind of ['churn', 'complexity'] as const) {
      const [b] = pair(kind, 64);
      if (b) targets.push({ name: `p99 of accepted requests, ${kind} c=64 (ms)`, value: b.p99, limit: 25, better: 'lower' });
    }
    targets.push({ name: 'broker peak RSS (MB)', value: peak, limit: 150, better: 'lower' });
    process.stdout.write('\nTargets (issue #2)\n');
    for (const t of targets) process.stdout.write(`${targetLine(t)}\n`);

    const load1 = os.loadavg();
    process.stdout.write(`\nLoad average at end ${load1.map(f2).join(' ')}; total ${f0((Date.now() - started) / 1000)} s\n`);
    if (args.json) writeFileSync(args.json, JSON.stringify({ args, cpus: os.cpus().length, peakRssMb: peak, results, targets }, null, 2));

    const lost = results.filter((r) => !r.allLanded);
    if (lost.length > 0) {
      process.stdout.write(`\nFAILED: accepted points missing in InfluxDB in ${lost.map((r) => `${r.target} ${r.kind} c=${r.connections}`).join(', ')}\n`);
      return 1;
    }
    process.stdout.write('\nEvery accepted point landed in InfluxDB.\n');
    return 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`ingest-bench: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
