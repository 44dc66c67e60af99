// `qmb export --to-influx URL`: copies every point of the embedded store into InfluxDB. Idempotent:
// InfluxDB keeps one point per series and time, so a second run overwrites instead of duplicating.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { StoreDump } from '../embedded/dump.js';
import { storeFileOf } from '../embedded/schema.js';
import { formatPoint } from '../ingest/line-protocol.js';
import { InfluxSink } from '../influx/sink.js';
import type { Sink } from '../sinks/sink.js';
import { cliConfig } from './context.js';

export interface ExportResult {
  databases: number;
  series: number;
  points: number;
}

const DEFAULTS = { batchLines: 5000 } as const;

/**
 * Reads the embedded store file (read-only) and writes every point to the sink, database by
 * database, creating each database first. Numbers keep their stored type and digits.
 */
export async function exportEmbedded(storeFile: string, sink: Sink, onProgress: (line: string) => void = () => {}): Promise<ExportResult> {
  const dump = new StoreDump(storeFile);
  const result: ExportResult = { databases: 0, series: 0, points: 0 };
  try {
    for (const name of dump.databases()) {
      await sink.createDatabase(name);
      result.databases++;
      let batch: string[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const res = await sink.write(name, batch);
        if (!res.ok) throw new Error(`InfluxDB refused points of ${name}: ${res.message}`);
        result.points += batch.length;
        batch = [];
      };
      for (const series of dump.series(name)) {
        result.series++;
        for (const point of series.points) {
          batch.push(formatPoint(point));
          if (batch.length >= DEFAULTS.batchLines) await flush();
        }
      }
      await flush();
      onProgress(`${name}: done`);
    }
  } finally {
    dump.close();
  }
  return result;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('copy every point of the embedded store (in QMB_DATA_DIR) into InfluxDB; running it again overwrites, never duplicates')
    .requiredOption('--to-influx <url>', 'InfluxDB base URL (1.x /write API); credentials from QMB_INFLUX_USERNAME/PASSWORD or QMB_INFLUX_TOKEN')
    .action(async (opts: { toInflux: string }) => {
      const config = cliConfig();
      const file = storeFileOf(config.dataDir);
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
