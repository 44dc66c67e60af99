// A small HTTP server in place of InfluxDB 2.x/3.x (which cannot run here): it answers the 1.x
// compatibility API the broker uses (/ping, /write, /query) only with `Authorization: Token <token>`
// and records every request it gets.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinRequest {
  method: string;
  path: string;
  params: URLSearchParams;
  authorization: string | undefined;
  body: string;
}

export interface InfluxStandin {
  url: string;
  requests: StandinRequest[];
  /** Line protocol written to each database. */
  written: Map<string, string[]>;
  stop(): Promise<void>;
}

/** The measurement of a line of line protocol: up to the first unescaped comma or space. */
function measurementOf(line: string): string {
  const m = /^((?:\\.|[^,\s\\])+)/.exec(line);
  return (m?.[1] ?? '').replace(/\\(.)/g, '$1');
}

const series = (name: string, column: string, values: string[]): unknown => ({ name, columns: [column], values: values.map((v) => [v]) });

/** Starts the stand-in on a free loopback port. */
export async function startInfluxStandin(token: string): Promise<InfluxStandin> {
  const requests: StandinRequest[] = [];
  const written = new Map<string, string[]>();
  const databases = new Set<string>();

  const answerQuery = (params: URLSearchParams): unknown => {
    const q = params.get('q') ?? '';
    const db = params.get('db') ?? '';
    const create = /^CREATE DATABASE "?([^"]+)"?$/.exec(q);
    if (create) databases.add(create[1]!);
    if (q === 'SHOW DATABASES') return { results: [{ statement_id: 0, series: [series('databases', 'name', [...databases])] }] };
    if (q === 'SHOW MEASUREMENTS') {
      const names = [...new Set((written.get(db) ?? []).map(measurementOf))];
      return { results: [{ statement_id: 0, ...(names.length > 0 ? { series: [series('measurements', 'name', names)] } : {}) }] };
    }
    // Everything else (SHOW FIELD KEYS, counts, ...): an empty result per statement.
    return { results: q.split(';').map((_, i) => ({ statement_id: i })) };
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://standin');
      const body = Buffer.concat(chunks).toString('utf8');
      const params = u.pathname === '/query' && req.method === 'POST' ? new URLSearchParams(body) : u.searchParams;
      requests.push({ method: req.method ?? '', path: u.pathname, params: u.searchParams, authorization: req.headers.authorization, body });
      if (u.pathname === '/ping') {
        res.writeHead(204, { 'X-Influxdb-Version': 'v2.7.10' }).end();
        return;
      }
      if (req.headers.authorization !== `Token ${token}`) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 'unauthorized', message: 'unauthorized access' }));
        return;
      }
      if (u.pathname === '/write' && req.method === 'POST') {
        const db = u.searchParams.get('db') ?? '';
        written.set(db, [...(written.get(db) ?? []), ...body.split('\n').filter((l) => l !== '')]);
        res.writeHead(204).end();
        return;
      }
      if (u.pathname === '/query') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answerQuery(params)));
        return;
      }
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 'not found', message: 'path not found' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    written,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
