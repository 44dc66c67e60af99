// The `check` case of the benchmark: a 500-series head against 20 candidate revisions, on InfluxDB and on the embedded store.
import os from 'node:os';
import { ReadStoreCheckSource } from '../src/check/check-source.js';
import { runCheck } from '../src/check/engine.js';
import { createReadStore } from '../src/broker.js';
import { type Payload, head, imageSize, rtinstr } from '../test/helpers/check-data.js';
import { type Influx, startInflux } from '../test/helpers/influxd.js';
import { type ReadBroker, ingest, readBroker } from '../test/helpers/read-setup.js';

export interface CheckCaseOptions {
  /** Revisions stored before the check; the newest 20 are the candidates. */
  history: number;
  /** Timed checks per case and store, after 3 untimed ones. */
  runs: number;
  /** An influxd to use; without one the case starts its own. */
  influx?: Influx;
}

/** One line of the check table. */
export interface CheckFigures {
  case: string;
  store: 'influxdb' | 'embedded';
  rows: number;
  median: number;
  p95: number;
  max: number;
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

/**
 * Stores the history on both stores (each behind an in-process broker, through the ingest route),
 * then times `runCheck` over `ReadStoreCheckSource`, the code behind `POST /api/v1/checks`: from
 * the head's payloads to the answer. Prints a Markdown table to `out` and returns its lines.
 */
export async function runCheckCase(o: CheckCaseOptions, out: (text: string) => void): Promise<CheckFigures[]> {
  const influx = o.influx ?? (await startInflux());
  const brokers: [CheckFigures['store'], ReadBroker][] = [];
  const results: CheckFigures[] = [];
  try {
    brokers.push(['influxdb', await readBroker({ influxUrl: influx.url })], ['embedded', await readBroker()]);
    const revisions = Array.from({ length: o.history }, (_, i) => `rev${String(i + 1).padStart(4, '0')}`);
    out(`storing ${o.history} revisions of 500 image-size series and 500 latency series on both stores ...\n`);
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
      ['tfa_image_size, 500 sections (+200 totals)', [sizes('head', o.history, 3)]],
      ['tfa_rtinstr, 500 series (history)', latencies('head', o.history, 2)],
    ];
    out(`${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${o.runs} timed checks each, 20 candidates\n\n`);
    out('| case | store | rows | median ms | p95 ms | max ms |\n|---|---|---:|---:|---:|---:|\n');
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
        for (let i = 0; i < o.runs; i++) {
          const one = await run();
          ms.push(one.ms);
          rows = one.rows;
        }
        const s = stats(ms);
        results.push({ case: name, store, rows, ...s });
        out(`| ${name} | ${store} | ${rows} | ${s.median.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.max.toFixed(1)} |\n`);
      }
    }
    return results;
  } finally {
    for (const [, b] of brokers) await b.close();
    if (!o.influx) await influx.stop();
  }
}
