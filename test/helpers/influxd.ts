// A private influxd (Debian's influxdb package) on free loopback ports with a temporary data dir.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.js';

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface Influx {
  url: string;
  dir: string;
  /** Runs InfluxQL; returns the series of the first statement ([] when none). Throws on errors. */
  query(db: string | undefined, q: string): Promise<InfluxSeries[]>;
  /** Rows of the first series as objects keyed by column. */
  rows(db: string, q: string): Promise<Record<string, unknown>[]>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
  /** Stops the server, keeping its data (an outage). */
  pause(): Promise<void>;
  /** Starts the same server again on the same port and data. */
  start(): Promise<void>;
  running(): boolean;
  /** Suspends the server (SIGSTOP): connections are accepted by the kernel, nothing answers. */
  freeze(): void;
  /** Resumes a frozen server (SIGCONT). */
  thaw(): void;
}

export const INFLUXD = process.env['INFLUXD'] ?? 'influxd';

export interface InfluxOptions {
  /** `[data] max-values-per-tag` (influxd's default: 100000). */
  maxValuesPerTag?: number;
  /** Serve HTTPS with this certificate and key; the helper's own requests trust `ca`. */
  tls?: { cert: string; key: string; ca: string };
}

/** One request to the server, trusting `ca` over https. */
function request(url: string, method: string, ca: Buffer | undefined, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const headers = body === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' };
    const req = lib.request(url, { method, headers, ...(ca ? { ca } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts influxd and waits for /ping. Call stop() in an after hook. */
export async function startInflux(options: InfluxOptions = {}): Promise<Influx> {
  const dir = mkdtempSync(path.join(tmpdir(), 'qmb-influx-'));
  const httpPort = await freePort();
  const rpcPort = await freePort();
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${httpPort}`;
  const ca = options.tls ? readFileSync(options.tls.ca) : undefined;
  const httpsConfig = options.tls ? `  https-enabled = true\n  https-certificate = "${options.tls.cert}"\n  https-private-key = "${options.tls.key}"` : '';
  const config = `
reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${path.join(dir, 'meta')}"
[data]
  dir = "${path.join(dir, 'data')}"
  wal-dir = "${path.join(dir, 'wal')}"
  query-log-enabled = false
${options.maxValuesPerTag !== undefined ? `  max-values-per-tag = ${options.maxValuesPerTag}` : ''}
[http]
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
${httpsConfig}
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
`;
  const confFile = path.join(dir, 'influxdb.conf');
  writeFileSync(confFile, config);
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    child = spawn(INFLUXD, ['-config', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const proc = child;
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`influxd exited: ${stderr}`);
      const res = await request(`${url}/ping`, 'GET', ca);
      return res.status === 204;
    }, 30_000, 'influxd to answer /ping');
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
    });
  };

  const query = async (db: string | undefined, q: string): Promise<InfluxSeries[]> => {
    const params = new URLSearchParams({ q });
    if (db) params.set('db', db);
    const res = await request(`${url}/query`, 'POST', ca, params.toString());
    const body = JSON.parse(res.text) as { error?: string; results?: { error?: string; series?: InfluxSeries[] }[] };
    if (body.error) throw new Error(body.error);
    const first = body.results?.[0];
    if (first?.error) throw new Error(first.error);
    return first?.series ?? [];
  };

  await start();
  return {
    url,
    dir,
    query,
    async rows(db, q) {
      const series = await query(db, q);
      return series.flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))));
    },
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    pause: stop,
    start,
    running: () => child !== undefined && child.exitCode === null,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
  };
}
