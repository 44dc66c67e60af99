// `qmb export --to-influx URL`: copies every point of the embedded store into InfluxDB. Idempotent:
// InfluxDB keeps one point per series and time, so a second run overwrites instead of duplicating.
import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { parse } from 'lossless-json';
import type { Config } from '../config.js';
import { formatPoint } from '../ingest/line-protocol.js';
import type { FieldValue, Point } from '../ingest/points.js';
import { InfluxSink } from '../influx/sink.js';
import type { Sink } from '../sinks/sink.js';
import { cliConfig } from './context.js';

export interface ExportResult {
  databases: number;
  series: number;
  points: number;
}

const DEFAULTS = { batchLines: 5000 } as const;

/** A number as written in the store's JSON: the literal tells integer (`5`) from float (`5.0`). */
class Literal {
  constructor(readonly text: string) {}
}

/** A stored field as line protocol wants it; the store writes whole floats with `.0`, so the literal decides the type. */
function fieldValue(v: unknown): FieldValue | undefined {
  if (v instanceof Literal) return /^-?\d+$/.test(v.text) ? { kind: 'integer', value: BigInt(v.text) } : { kind: 'float', value: Number(v.text) };
  if (typeof v === 'boolean') return { kind: 'boolean', value: v };
  if (typeof v === 'string') return { kind: 'string', value: v };
  return undefined;
}

/**
 * Reads the embedded store file (read-only) and writes every point to the sink, database by
 * database, creating each database first. Numbers keep their stored type and digits.
 */
export async function exportEmbedded(storeFile: string, sink: Sink, onProgress: (line: string) => void = () => {}): Promise<ExportResult> {
  const db = new Database(storeFile, { readonly: true, fileMustExist: true });
  const result: ExportResult = { databases: 0, series: 0, points: 0 };
  try {
    const names = (db.prepare('SELECT name FROM databases ORDER BY name').all() as { name: string }[]).map((r) => r.name);
    const seriesOf = db.prepare('SELECT id, measurement, tags FROM series WHERE db = ? ORDER BY id');
    const pointsOf = db.prepare('SELECT time, fields FROM points WHERE series_id = ? ORDER BY time').safeIntegers(true);
    for (const name of names) {
      await sink.createDatabase(name);
      result.databases++;
      let batch: string[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const res = await sink.write(name, batch.join('\n'));
        if (!res.ok) throw new Error(`InfluxDB refused points of ${name}: ${res.message}`);
        result.points += batch.length;
        batch = [];
      };
      for (const s of seriesOf.all(name) as { id: number; measurement: string; tags: string }[]) {
        result.series++;
        const tags = Object.entries(JSON.parse(s.tags) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        for (const p of pointsOf.iterate(s.id) as Iterable<{ time: bigint; fields: string }>) {
          // Number literals kept as text, so integers beyond 2^53 keep every digit and 5.0 stays float.
          const raw = parse(p.fields, null, (literal: string) => new Literal(literal)) as Record<string, unknown>;
          const fields: [string, FieldValue][] = [];
          for (const [k, v] of Object.entries(raw)) {
            const value = fieldValue(v);
            if (value) fields.push([k, value]);
          }
          if (fields.length === 0) continue;
          const point: Point = { measurement: s.measurement, tags, fields, time: p.time };
          batch.push(formatPoint(point));
          if (batch.length >= DEFAULTS.batchLines) await flush();
        }
      }
      await flush();
      onProgress(`${name}: done`);
    }
  } finally {
    db.close();
  }
  return result;
}

/** The embedded store file of a configuration. */
export function storeFile(config: Config): string {
  return path.join(config.dataDir, 'store.sqlite');
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('copy every point of the embedded store (in QMB_DATA_DIR) into InfluxDB; running it again overwrites, never duplicates')
    .requiredOption('--to-influx <url>', 'InfluxDB base URL (1.x /write API); credentials from QMB_INFLUX_USERNAME/PASSWORD or QMB_INFLUX_TOKEN')
    .action(async (opts: { toInflux: string }) => {
      const config = cliConfig();
      const file = storeFile(config);
      if (!existsSync(file)) throw new Error(`no embedded store at ${file} (set QMB_DATA_DIR)`);
      let url: URL;
      try {
        url = new URL(opts.toInflux);
      } catch {
        throw new Error(`--to-influx: "${opts.toInflux}" is not a URL`);
      }
      const sink = new InfluxSink({ url: url.toString(), username: config.influxUsername, password: config.influxPassword, token: config.influxToken });
      const health = await sink.ping();
      if (!health.ok) throw new Error(health.detail);
      const r = await exportEmbedded(file, sink, (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(`exported ${r.points} points of ${r.series} series in ${r.databases} databases to ${url.origin}\n`);
    });
}
