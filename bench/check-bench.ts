// Check benchmark: a 500-series head against 20 candidate revisions, on InfluxDB and on the embedded store.
//
// Usage: node dist/bench/check-bench.js [--history N] [--runs N] [--json FILE]
//   --history N   revisions stored before the check (default 200; the newest 20 are the candidates)
//   --runs N      timed checks per case and store (default 20, after 3 untimed warm-up checks)
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { ReadStoreCheckSource } from '../src/check/check-source.js';
import { runCheck } from '../src/check/engine.js';
import { createReadStore } from '../src/broker.js';
import { type Payload, head, imageSize, rtinstr } from '../test/helpers/check-data.js';
import { type Influx, startInflux } from '../test/helpers/influxd.js';
import { type ReadBroker, ingest, readBroker } from '../test/helpers/read-setup.js';

interface Args {
  history: number;
  runs: number;
  json: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { history: 200, runs: 20, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--history') args.history = Number(next());
    else if (a === '--runs') args.runs = Number(next());
    else if (a === '--json') args.json = next();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(args.history) || args.history < 20) throw new Error('--history must be an integer of at least 20');
  if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error('--runs must be a positive integer');
  return args;
}

const CONFIGS = Array.from({ length: 25 }, (_, i) => `fvp-config-${String(i).padStart(2, '0')}`);
const SECTIONS = ['BL1_T', 'BL1_D', 'BL2_T', 'BL2_D', 'BL2_B', 'BL31_T', 'BL31_D', 'BL31_B', 'BL32_T', 'BL32_D'];
const TESTS = Array.from({ length: 25 }, (_, i) => `testrtinstr${i}`);
const TARGETS = ['juno-a', 'juno-b', 'fvp-a', 'fvp-b', 'n1sdp'];

const time = (rev: number): string => new Date(Date.UTC(2024, 0, 1) + rev * 3_600_000).toISOString();

/** 25 build configurations × 2 modes × 10 sections = 500 section series (plus 200 derived totals). */
function sizes(rev: string, n: number, grow = 0): Payload {
  const configs = CONFIGS.flatMap((measurement, c) =>
    ['Debug', 'Release'].map((binMode) => ({
      measurement,
      binMode,
      fields: Object.fromEntries(SECTIONS.map((s, k) => [s, 10000 + c * 100 + k * 10 + (n % 7) + grow])),
    })),
  );
  return imageSize(rev, configs, time(n));
}

/** 5 targets × 25 test cases × 4 cores = 500 latency series, one sample each. */
function latencies(rev: string, n: number, grow = 0): Payload[] {
  return TARGETS.map((target, t) =>
    rtinstr(rev, TESTS.flatMap((tc, k) => [0, 1, 2, 3].map((core) => ({ tc, core, value: 1000 + t * 10 + k + ((n * 7 + core) % 11) + grow }))), time(n), target),
  );
}

function stats(ms: number[]): { median: number; p95: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { median: at(0.5), p95: at(0.95), max: s.at(-1) as number };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let influx: Influx | undefined;
  const brokers: [string, ReadBroker][] = [];
  const results: Record<string, unknown>[] = [];
  try {
    influx = await startInflux();
    brokers.push(['influxdb', await readBroker({ influxUrl: influx.url })], ['embedded', await readBroker()]);
    const revisions = Array.from({ length: args.history }, (_, i) => `rev${String(i + 1).padStart(4, '0')}`);
    process.stdout.write(`storing ${args.history} revisions of 500 image-size series and 500 latency series on both stores ...\n`);
    for (const [, b] of brokers) {
      for (const [i, rev] of revisions.entries()) {
        for (const p of [sizes(rev, i), ...latencies(rev, i)]) {
          const status = await ingest(b, JSON.stringify(p));
          if (status !== 201) throw new Error(`ingest answered ${status}`);
        }
      }
    }
    const candidates = revisions.slice(-20).reverse();
    const cases: [string, Payload[]][] = [
      ['tfa_image_size, 500 sections (+200 totals)', [sizes('head', args.history, 3)]],
      ['tfa_rtinstr, 500 series (history)', latencies('head', args.history, 2)],
    ];
    process.stdout.write(`\n${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${args.runs} timed checks each, 20 candidates\n\n`);
    process.stdout.write('| case | store | rows | median ms | p95 ms | max ms |\n|---|---|---:|---:|---:|---:|\n');
    for (const [name, payloads] of cases) {
      for (const [store, b] of brokers) {
        const source = new ReadStoreCheckSource(createReadStore(b.deps));
        const run = async (): Promise<{ ms: number; rows: number }> => {
          const t0 = performance.now();
          const h = head(b.deps.registry, payloads);
          const r = await runCheck({ head: h, candidates }, source);
          const ms = performance.now() - t0;
          if (r.verdict === 'no-baseline') throw new Error(`${name} on ${store}: no baseline found`);
          return { ms, rows: r.rows.length };
        };
        for (let i = 0; i < 3; i++) await run();
        const ms: number[] = [];
        let rows = 0;
        for (let i = 0; i < args.runs; i++) {
          const one = await run();
          ms.push(one.ms);
          rows = one.rows;
        }
        const s = stats(ms);
        results.push({ case: name, store, rows, ...s });
        process.stdout.write(`| ${name} | ${store} | ${rows} | ${s.median.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.max.toFixed(1)} |\n`);
      }
    }
    if (args.json) writeFileSync(args.json, `${JSON.stringify({ history: args.history, runs: args.runs, results }, null, 2)}\n`);
  } finally {
    for (const [, b] of brokers) await b.close();
    await influx?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
