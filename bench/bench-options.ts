// Command line of `npm run bench` (bench/ingest-bench.ts), parsed by commander.
import { Command, InvalidArgumentError } from 'commander';

export type PayloadKind = 'churn' | 'complexity';
export type CaseKind = PayloadKind | 'check';

/** One `--only` entry: a case, and for the ingest cases optionally one concurrency. */
export interface CaseFilter {
  kind: CaseKind;
  connections?: number;
}

export interface BenchArgs {
  duration: number;
  connections: number[];
  /** Cases to run; undefined runs all of them. */
  only: CaseFilter[] | undefined;
  cpuProf: string | undefined;
  heapSnapshot: string | undefined;
  latencyLog: string | undefined;
  nodeFlags: string[];
  direct: boolean;
  json: string | undefined;
  history: number;
  runs: number;
  /** `postgres`: each ingest case also through one and two brokers on a PostgreSQL journal, beside SQLite. */
  journal: 'sqlite' | 'postgres';
  /** With --journal postgres: a synchronous standby, so every commit is a quorum. */
  pgStandby: boolean;
}

/** A commander parser for integers of at least `min`. */
export function positiveInt(min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`an integer of at least ${min}`);
    return n;
  };
}

function seconds(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('a positive number of seconds');
  return n;
}

function journalKind(v: string): 'sqlite' | 'postgres' {
  if (v !== 'sqlite' && v !== 'postgres') throw new InvalidArgumentError('sqlite or postgres');
  return v;
}

function connectionList(v: string): number[] {
  return v.split(',').map(positiveInt(1));
}

function cases(v: string, previous: CaseFilter[] | undefined): CaseFilter[] {
  const out = [...(previous ?? [])];
  for (const one of v.split(',')) {
    const [kind, c] = one.split(':');
    if (kind !== 'churn' && kind !== 'complexity' && kind !== 'check') throw new InvalidArgumentError('churn, complexity or check, the first two optionally :CONNECTIONS');
    if (kind === 'check' && c !== undefined) throw new InvalidArgumentError('check takes no concurrency');
    out.push({ kind, ...(c !== undefined ? { connections: positiveInt(1)(c) } : {}) });
  }
  return out;
}

/** Whether a case (and a concurrency of an ingest case) is among those asked for. */
export function wanted(args: BenchArgs, kind: CaseKind, connections?: number): boolean {
  if (!args.only) return true;
  return args.only.some((f) => f.kind === kind && (connections === undefined || f.connections === undefined || f.connections === connections));
}

/** Parses the benchmark's arguments (commander prints --help and exits on a wrong one). */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const program = new Command('ingest-bench')
    .description('Ingest through the broker vs. direct InfluxDB /write (every accepted point counted in InfluxDB), and the check case')
    .option('--duration <s>', 'seconds of load per ingest case', seconds, 10)
    .option('--quick', '3 s per ingest case (smoke run)')
    .option('--connections <list>', 'concurrencies of the ingest cases', connectionList, [1, 16, 64])
    .option('--only <cases>', 'run only these cases: churn, complexity (optionally :C), check; comma-separated or repeated', cases)
    .option('--no-direct', 'skip the direct InfluxDB baseline')
    .option('--cpu-prof <dir>', 'profile the broker (node --cpu-prof); written when it stops')
    .option('--heap-snapshot <dir>', 'write a heap snapshot of the broker at the end of each ingest case\'s load')
    .option('--latency-log <file>', 'write every accepted request\'s latency (CSV: case, ms since start, ms)')
    .option('--node-flags <flags>', 'extra node flags for the broker, space-separated (e.g. "--max-semi-space-size=8")', '')
    .option('--json <file>', 'also write the figures as JSON')
    .option('--history <n>', 'check case: revisions stored before the check', positiveInt(20), 200)
    .option('--runs <n>', 'check case: timed checks per case and store', positiveInt(1), 20)
    .option('--journal <kind>', 'sqlite, or postgres: each ingest case also through one and two brokers on a local PostgreSQL journal, beside one on SQLite', journalKind, 'sqlite')
    .option('--pg-standby', 'with --journal postgres: add a synchronous standby (every acknowledgement a quorum)')
    .exitOverride((err) => process.exit(err.exitCode))
    .parse(argv, { from: 'user' });
  const o = program.opts<{
    duration: number;
    quick?: boolean;
    connections: number[];
    only?: CaseFilter[];
    direct: boolean;
    cpuProf?: string;
    heapSnapshot?: string;
    latencyLog?: string;
    nodeFlags: string;
    json?: string;
    history: number;
    runs: number;
    journal: 'sqlite' | 'postgres';
    pgStandby?: boolean;
  }>();
  return {
    duration: o.quick ? 3 : o.duration,
    connections: o.connections,
    only: o.only,
    cpuProf: o.cpuProf,
    heapSnapshot: o.heapSnapshot,
    latencyLog: o.latencyLog,
    nodeFlags: o.nodeFlags.split(' ').filter((f) => f !== ''),
    direct: o.direct,
    json: o.json,
    history: o.history,
    runs: o.runs,
    journal: o.journal,
    pgStandby: o.pgStandby === true,
  };
}
