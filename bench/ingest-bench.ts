// Ingest benchmark: broker vs. direct InfluxDB /write, with every accepted point counted in InfluxDB.
//
// Usage: node dist/bench/ingest-bench.js --help (options in bench/bench-options.ts); the `check`
// case is bench/check-case.ts.
import autocannon, { type AutocannonRequest } from 'autocannon';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { type BrokerProcess, startBrokerProcess } from '../test/helpers/broker.js';
import { type Influx, startInflux } from '../test/helpers/influxd.js';
import { waitFor } from '../test/helpers/ports.js';
import { startPostgres, startPostgresCluster } from '../test/helpers/postgres.js';
import { seedUsers } from '../test/helpers/replicas.js';
import { type BenchArgs, type PayloadKind, parseBenchArgs, wanted } from './bench-options.js';
import { type CheckFigures, runCheckCase } from './check-case.js';
import { COMPLEXITY_FUNCTIONS, churnBody, complexityBody, nsOf } from './payloads.js';

// ---------------------------------------------------------------------------------------------
// Load: autocannon with a per-request body; stops cleanly so no request is cut off in flight.

interface LoadResult {
  sent: number;
  accepted: number;
  statuses: Record<string, number>;
  errors: number;
  /** Milliseconds of the accepted requests, sorted. */
  latencies: number[];
  /** Each accepted request in answer order: [ms since the start when answered, latency ms]. */
  samples: [number, number][];
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
  /** Runs when the load time is up, while the last requests are still in flight. */
  atEndOfLoad?: () => void;
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
  const samples: [number, number][] = [];
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
    if (lastKind === 'load' && status >= 200 && status < 300) {
      latencies.push(ms);
      samples.push([performance.now() - startedAt, ms]);
    }
  });
  instance.on('reqError', () => {
    errors++;
  });

  await new Promise((r) => setTimeout(r, o.durationS * 1000));
  draining = true;
  o.atEndOfLoad?.();
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
    samples,
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

/** Resets a process's peak RSS (VmHWM) to its RSS now, so the next peak is one case's own. */
function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not allowed here: VmHWM then stays the peak since the broker started.
  }
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
 * CPU seconds of the PostgreSQL servers in `dataDirs`: each postmaster (with the children it has
 * reaped) and its live backends, WAL writer and senders.
 */
function postgresCpu(dataDirs: string[]): number {
  const postmasters = new Set<number>();
  for (const dir of dataDirs) {
    try {
      postmasters.add(Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]));
    } catch {
      // not running
    }
  }
  let total = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (postmasters.has(Number(name))) total += ticks + Number(fields[13]) + Number(fields[14]);
      else if (postmasters.has(Number(fields[1]))) total += ticks;
    } catch {
      // gone
    }
  }
  return total / CLK_TCK;
}

/**
 * The malloc settings the container image (deploy/Dockerfile) and the systemd unit start the broker
 * with, so that the broker is measured as it is deployed; GLIBC_TUNABLES given to the benchmark
 * wins (empty: glibc's defaults).
 */
function deployedTunables(): string {
  if (process.env['GLIBC_TUNABLES'] !== undefined) return process.env['GLIBC_TUNABLES'];
  const m = /GLIBC_TUNABLES=(\S+)/.exec(readFileSync(path.resolve('deploy/Dockerfile'), 'utf8'));
  if (!m?.[1]) throw new Error('deploy/Dockerfile sets no GLIBC_TUNABLES');
  return m[1];
}

/**
 * The test helper's broker, restarted as `node FLAGS dist/src/cli/main.js serve` with the same data
 * dir, secret and port (Node refuses --cpu-prof in NODE_OPTIONS). A CPU profile is written when
 * the broker exits after SIGTERM; a heap snapshot (--heapsnapshot-signal) on SIGUSR2.
 */
async function startBrokerWithFlags(env: Record<string, string>, flags: string[]): Promise<BrokerProcess> {
  const base = await startBrokerProcess(env);
  await base.stop();
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QMB_')) childEnv[k] = v;
  const child = spawn(process.execPath, [...flags, path.resolve('dist/src/cli/main.js'), 'serve'], {
    env: { ...childEnv, ...base.env, QMB_PORT: String(base.port), QMB_HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`the broker started with ${flags.join(' ')} exited ${child.exitCode}`);
    return (await fetch(`${base.url}/healthz`)).ok;
  }, 20_000, 'the broker started with node flags to answer /healthz');
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
  /** What ran: `broker`, `direct`, or with --journal postgres `sqlite`, `postgres x1`, `postgres x2`. */
  label: string;
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
  /** CPU seconds of the PostgreSQL servers (0 without). */
  pgCpu: number;
  loadCpu: number;
  /** The broker's peak RSS (VmHWM) during the case, MB (0 for direct). */
  peakRssMb: number;
  allLanded: boolean;
}

interface Env {
  args: BenchArgs;
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

/** The journal's counts by status and the first rejected submission's error, from the broker's API. */
async function rejected(broker: BrokerProcess, token: string): Promise<string> {
  const res = await fetch(`${broker.url}/api/v1/submissions?status=rejected&limit=1`, { headers: { Authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { counts?: Record<string, number>; submissions?: { last_error: string | null }[] };
  return `journal counts ${JSON.stringify(body.counts)}${body.submissions?.[0] ? `, first rejected: ${body.submissions[0].last_error}` : ''}`;
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

/** Sums what each load generator measured, as one load of all their connections. */
function mergeLoads(loads: LoadResult[]): LoadResult {
  const statuses: Record<string, number> = {};
  for (const l of loads) for (const [k, v] of Object.entries(l.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const startedAt = Math.min(...loads.map((l) => l.startedAt));
  const lastResponseAt = Math.max(...loads.map((l) => l.lastResponseAt));
  return {
    sent: loads.reduce((n, l) => n + l.sent, 0),
    accepted: loads.reduce((n, l) => n + l.accepted, 0),
    statuses,
    errors: loads.reduce((n, l) => n + l.errors, 0),
    latencies: loads.flatMap((l) => l.latencies).sort((x, y) => x - y),
    samples: loads.flatMap((l) => l.samples.map(([at, ms]): [number, number] => [at + l.startedAt - startedAt, ms])),
    startedAt,
    lastResponseAt,
    elapsed: (lastResponseAt - startedAt) / 1000,
    loadCpu: loads.reduce((n, l) => n + l.loadCpu, 0),
  };
}

/**
 * One case through `brokers` (default: the one broker), the connections split evenly between them.
 * Landed when every broker's journal is empty; `pgCpu` measures the PostgreSQL servers, if any.
 */
async function runBroker(
  env: Env,
  spec: PayloadSpec,
  connections: number,
  durationS: number,
  dayMs: number,
  setup: { brokers?: BrokerProcess[]; label?: string; pgCpu?: () => number } = {},
): Promise<RunFigures> {
  const brokers = setup.brokers ?? [env.broker];
  const pids = brokers.map((b) => b.child()?.pid as number);
  const sum = (f: (pid: number) => number): number => pids.reduce((n, pid) => n + f(pid), 0);
  const b0 = sum(cpuSeconds);
  const w0 = sum(diskWrites);
  const i0 = env.influxPid ? cpuSeconds(env.influxPid) : 0;
  const p0 = setup.pgCpu?.() ?? 0;
  for (const pid of pids) resetPeakRss(pid);
  let landedAt = 0;
  // Landed when every journal is empty; it stays empty since nothing else is sent. Polled once
  // every load generator has its answers.
  const waitEmpty = async (): Promise<void> => {
    const deadline = Date.now() + 600_000;
    for (;;) {
      const pending = (await Promise.all(brokers.map(readyz))).reduce((n, r) => n + r.pending, 0);
      landedAt = performance.now();
      if (pending === 0) return;
      if (Date.now() > deadline) throw new Error(`journals still hold ${pending} points after 10 minutes`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  let arrived = 0;
  let landing: Promise<void> | undefined;
  let allArrived!: () => void;
  const everyone = new Promise<void>((r) => (allArrived = r));
  const loads = await Promise.all(
    brokers.map((broker, i) =>
      drive({
        url: broker.url,
        path: '/api/v1/metrics',
        headers: { Authorization: `Bearer ${env.token}`, 'Content-Type': 'application/json' },
        connections: Math.max(1, Math.round(connections / brokers.length)),
        durationS,
        // Each broker's share of the load has its own times, so no two payloads carry one point.
        body: (seq) => spec.body(dayMs, seq * brokers.length + i),
        idlePath: '/healthz',
        // The heap at its fullest: requests of every connection in flight.
        atEndOfLoad: env.args.heapSnapshot ? () => process.kill(pids[i] as number, 'SIGUSR2') : undefined,
        afterLoad: async () => {
          arrived += 1;
          if (arrived === brokers.length) {
            landing = waitEmpty();
            allArrived();
          }
          await everyone;
          await landing;
        },
      }),
    ),
  );
  const load = mergeLoads(loads);
  const b1 = sum(cpuSeconds);
  const w1 = sum(diskWrites);
  const peakRssMb = Math.max(...pids.map((pid) => procStatus(pid)['VmHWM'] ?? NaN));
  const label = setup.label ?? 'broker';
  if (env.args.latencyLog) logLatencies(env.args.latencyLog, `${label} ${spec.kind} c=${connections}`, load.samples);
  const i1 = env.influxPid ? cpuSeconds(env.influxPid) : 0;
  const counted = await countPoints(env, spec.database, spec, dayMs);
  const acceptedPoints = load.accepted * spec.points;
  const landedSeconds = (landedAt - load.startedAt) / 1000;
  if (counted !== acceptedPoints) {
    // The journals said empty too early, or points are lost: tell which.
    let later = counted;
    const until = Date.now() + 30_000;
    while (later !== acceptedPoints && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      later = await countPoints(env, spec.database, spec, dayMs);
    }
    process.stdout.write(`  ${label}: ${f0(counted)} of ${f0(acceptedPoints)} points in InfluxDB when the journals said empty; ${f0(later)} after up to 30 s more; ${await rejected(brokers[0] as BrokerProcess, env.token)}\n`);
  }
  return {
    target: 'broker',
    label,
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
    pgCpu: (setup.pgCpu?.() ?? 0) - p0,
    loadCpu: load.loadCpu,
    peakRssMb,
    allLanded: counted === acceptedPoints && load.errors === 0,
  };
}

let latencyLogStarted = false;

/** Appends a case's accepted requests to the latency log (CSV: case, ms since the case began, latency ms). */
function logLatencies(file: string, name: string, samples: [number, number][]): void {
  const head = latencyLogStarted ? '' : 'case,at_ms,latency_ms\n';
  latencyLogStarted = true;
  writeFileSync(file, head + samples.map(([at, ms]) => `${name},${at.toFixed(1)},${ms.toFixed(2)}\n`).join(''), { flag: head ? 'w' : 'a' });
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
    label: 'direct',
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
    pgCpu: 0,
    loadCpu: load.loadCpu,
    peakRssMb: 0,
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
  const pg = r.pgCpu > 0 ? ` postgres ${f1(r.pgCpu)} (${f0((1e6 * r.pgCpu) / Math.max(1, r.requests))} µs/req)` : '';
  const cpu = r.target === 'broker' ? `broker wrote ${f1(r.brokerDiskMb)} MB to disk; cpu s: broker ${f1(r.brokerCpu)} (${f0((1e6 * r.brokerCpu) / Math.max(1, r.requests))} µs/req)${pg} influxd ${f1(r.influxCpu)} load ${f1(r.loadCpu)}` : `cpu s: influxd ${f1(r.influxCpu)} load ${f1(r.loadCpu)}`;
  return (
    `  ${r.label.padEnd(11)} ${f0(r.requests)} accepted req (${f0(r.reqPerSec)} req/s, ${r.pointsPerRequest} pt/req), ` +
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
  const args = parseBenchArgs(process.argv.slice(2));
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
    const results: RunFigures[] = [];
    const ingestWanted = wanted(args, 'churn') || wanted(args, 'complexity');
    let peak = NaN;
    let idleRss = NaN;
    if (ingestWanted) {
      await influx.query(undefined, `CREATE DATABASE ${DIRECT_DB}`);

      const env: Record<string, string> = { QMB_INFLUX_URL: influx.url, QMB_LOG_LEVEL: 'warn', GLIBC_TUNABLES: deployedTunables() };
      // Settings given to the benchmark (QMB_INGEST_CONCURRENCY=..., say) go to the broker.
      for (const [k, v] of Object.entries(process.env)) if (k.startsWith('QMB_') && v && !(k in env)) env[k] = v;
      const flags = [
        ...args.nodeFlags,
        ...(args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args.cpuProf)}`] : []),
        ...(args.heapSnapshot ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${path.resolve(args.heapSnapshot)}`] : []),
      ];
      const broker = flags.length > 0 ? await startBrokerWithFlags(env, flags) : await startBrokerProcess(env);
      cleanups.push(() => broker.cleanup());
      cleanups.push(() => broker.stop());
      const token = broker.token('ci');
      const brokerPid = broker.child()?.pid as number;
      process.stdout.write(
        `influxd ${influx.url} (pid ${influxPid(influx) ?? '?'}), broker ${broker.url} (pid ${brokerPid})` +
          `${Object.keys(env).filter((k) => k !== 'QMB_INFLUX_URL' && k !== 'QMB_LOG_LEVEL').map((k) => `, ${k}=${env[k]}`).join('')}` +
          `${flags.length ? `, node ${flags.join(' ')}` : ''}\n`,
      );
      idleRss = procStatus(brokerPid)['VmRSS'] ?? NaN;
      process.stdout.write(`broker RSS idle ${f0(idleRss)} MB\n`);

      const directLines = new Map<PayloadKind, string[]>();
      for (const spec of PAYLOADS) directLines.set(spec.kind, await brokerLines(broker, token, spec));
      const ctx: Env = { args, influx, broker, token, influxPid: influxPid(influx), directLines };

      // --journal postgres: two more brokers on one PostgreSQL journal (fsync on, as in production),
      // with the SQLite broker's key so one token is good everywhere.
      const pgBrokers: BrokerProcess[] = [];
      let pgCpu: (() => number) | undefined;
      if (args.journal === 'postgres') {
        const pg = args.pgStandby ? await startPostgresCluster({ standbys: 1, synchronous: 'ANY 1 (s1)', fsync: true }) : undefined;
        const single = pg ? undefined : await startPostgres({ fsync: true });
        const journalUrl = pg ? pg.urlOf(pg.primary) : (single?.url as string);
        cleanups.push(() => (pg ? pg.destroy() : single?.destroy()));
        const dirs = pg ? pg.members.map((m) => m.dataDir) : [single?.dataDir as string];
        pgCpu = () => postgresCpu(dirs);
        const pgEnv = { ...env, QMB_JOURNAL_URL: journalUrl, QMB_SECRET_KEY: broker.secret };
        await seedUsers(journalUrl);
        for (let i = 0; i < 2; i += 1) {
          const b = flags.length > 0 ? await startBrokerWithFlags(pgEnv, flags) : await startBrokerProcess(pgEnv);
          cleanups.push(() => b.cleanup());
          cleanups.push(() => b.stop());
          pgBrokers.push(b);
        }
        process.stdout.write(
          `PostgreSQL journal${pg ? ' with a synchronous standby' : ''} (fsync on), brokers ${pgBrokers.map((b) => `${b.url} (pid ${b.child()?.pid ?? '?'})`).join(' and ')}\n`,
        );
      }
      const pgRuns = async (spec: PayloadSpec, c: number, durationS: number, dayMs: number): Promise<RunFigures[]> => {
        const out: RunFigures[] = [];
        for (const n of [1, 2]) {
          const r = await runBroker(ctx, spec, c, durationS, dayMs + (n - 1) * DAY_MS, { brokers: pgBrokers.slice(0, n), label: `postgres x${n}`, ...(pgCpu ? { pgCpu } : {}) });
          out.push(r);
        }
        return out;
      };

      // Warm-up (JIT, database creation, connections), into its own day; not reported.
      let day = FIRST_DAY_MS;
      for (const spec of PAYLOADS.filter((p) => wanted(args, p.kind))) {
        await runBroker(ctx, spec, 4, Math.min(2, args.duration), day);
        if (pgBrokers.length > 0) await pgRuns(spec, 4, Math.min(2, args.duration), day + DAY_MS);
        if (args.direct) await runDirect(ctx, spec, 4, Math.min(2, args.duration), day);
      }
      day += (pgBrokers.length > 0 ? 3 : 1) * DAY_MS;

      for (const spec of PAYLOADS) {
        for (const c of args.connections) {
          if (!wanted(args, spec.kind, c)) continue;
          process.stdout.write(`\n${spec.kind} (${spec.metric}, ${spec.points} point${spec.points > 1 ? 's' : ''} per payload), concurrency ${c}\n`);
          const b = await runBroker(ctx, spec, c, args.duration, day, { label: pgBrokers.length > 0 ? 'sqlite' : 'broker' });
          day += DAY_MS;
          process.stdout.write(`${describe(b)}\n`);
          results.push(b);
          if (pgBrokers.length > 0) {
            for (const r of await pgRuns(spec, c, args.duration, day)) {
              day += DAY_MS;
              process.stdout.write(`${describe(r)}\n`);
              process.stdout.write(`  ratio ${r.label}/sqlite: landed points/s ${f2(r.landedPerSec / b.landedPerSec)}, requests/s ${f2(r.reqPerSec / b.reqPerSec)}\n`);
              results.push(r);
            }
          }
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
          process.stdout.write(`  broker peak RSS during the broker case ${f0(b.peakRssMb)} MB; RSS now ${f0(mem['VmRSS'] ?? NaN)} MB\n`);
        }
      }
      peak = Math.max(...results.map((r) => r.peakRssMb));
    }

    let checks: CheckFigures[] = [];
    if (wanted(args, 'check')) {
      process.stdout.write(`\ncheck (the gate's engine, ${args.history} revisions stored, ${args.runs} timed checks)\n`);
      checks = await runCheckCase({ history: args.history, runs: args.runs, influx }, (t) => process.stdout.write(t));
    }

    process.stdout.write('\nSummary\n');
    process.stdout.write('| payload | c | broker | req/s | p50 ms | p99 ms | landed pt/s | direct landed pt/s | ratio | peak RSS MB | all landed |\n');
    process.stdout.write('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n');
    for (const b of results.filter((r) => r.target === 'broker')) {
      const d = results.find((r) => r.target === 'direct' && r.kind === b.kind && r.connections === b.connections);
      process.stdout.write(
        `| ${b.kind} | ${b.connections} | ${b.label} | ${f0(b.reqPerSec)} | ${f1(b.p50)} | ${f1(b.p99)} | ${f0(b.landedPerSec)} | ` +
          `${d ? f0(d.landedPerSec) : '-'} | ${d ? f2(b.landedPerSec / d.landedPerSec) : '-'} | ${f0(b.peakRssMb)} | ${b.allLanded && (d?.allLanded ?? true) ? 'yes' : 'NO'} |\n`,
      );
    }
    if (ingestWanted) process.stdout.write(`\nBroker RSS idle ${f0(idleRss)} MB; highest per-case peak (VmHWM) ${f0(peak)} MB\n`);
    for (const c of checks) process.stdout.write(`check: ${c.case} on ${c.store}: median ${f1(c.median)} ms, p95 ${f1(c.p95)} ms\n`);

    const targets: Target[] = [];
    const pair = (kind: PayloadKind, c: number): [RunFigures | undefined, RunFigures | undefined] => [
      results.find((r) => r.target === 'broker' && r.kind === kind && r.connections === c),
      results.find((r) => r.target === 'direct' && r.kind === kind && r.connections === c),
    ];
    // Issue #10: two brokers on the PostgreSQL journal against one on SQLite, same case, same run.
    for (const b of results.filter((r) => r.label === 'postgres x2')) {
      const sqlite = results.find((r) => r.label === 'sqlite' && r.kind === b.kind && r.connections === b.connections);
      if (sqlite) targets.push({ name: `#10: ${b.kind} c=${b.connections} landed rate, two brokers on PostgreSQL/one on SQLite`, value: b.landedPerSec / sqlite.landedPerSec, limit: 0.7, better: 'higher' });
    }
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
    // Issue #11: no collapse at c=64, and 150 MB in both c=64 cases.
    const [bc64, dc64] = pair('complexity', 64);
    if (bc64 && dc64) targets.push({ name: '#11: 200-point c=64 landed rate, broker/direct 100-point batches', value: bc64.landedPerSec / dc64.landedPerSec, limit: 0.6, better: 'higher' });
    for (const kind of ['churn', 'complexity'] as const) {
      const [b] = pair(kind, 64);
      if (b) targets.push({ name: `#11: broker peak RSS, ${kind} c=64 (MB)`, value: b.peakRssMb, limit: 150, better: 'lower' });
    }
    for (const c of checks) targets.push({ name: `#9: check median, ${c.case} on ${c.store} (ms)`, value: c.median, limit: 200, better: 'lower' });
    if (targets.length > 0) process.stdout.write('\nTargets (issues #2, #9, #10, #11)\n');
    for (const t of targets) process.stdout.write(`${targetLine(t)}\n`);

    const load1 = os.loadavg();
    process.stdout.write(`\nLoad average at end ${load1.map(f2).join(' ')}; total ${f0((Date.now() - started) / 1000)} s\n`);
    if (args.json) writeFileSync(args.json, JSON.stringify({ args, cpus: os.cpus().length, idleRssMb: idleRss, peakRssMb: peak, results, checks, targets }, null, 2));

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
