// `qmb validate FILE...`: the server's checks, offline with the same messages, or asked of a broker with --url.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ValidateAnswer } from '../contract/submission.js';
import { BrokerError } from '../errors.js';
import { duplicatesNote } from '../ingest/duplicates.js';
import { JsonBody } from '../ingest/json.js';
import { preparePayload } from '../ingest/prepare.js';
import { loadRegistry } from '../metrics/registry.js';
import { joinUrl } from '../producer/push.js';
import { cliConfig } from './context.js';

interface Verdict {
  ok: boolean;
  /** The line after `FILE: `. */
  line: string;
  details: { path: string; message: string }[];
  lines?: string;
}

function offline(file: string): (registry: ReturnType<typeof loadRegistry>) => Verdict {
  return (registry) => {
    try {
      const body = JsonBody.parseBytes(readFileSync(file));
      const p = preparePayload(body, registry, BigInt(Date.now()) * 1_000_000n);
      const line = `ok metric=${p.metric.name} database=${p.database} points=${p.points.length}${duplicatesNote(p.duplicates, p.duplicateItems)}`;
      return { ok: true, line, details: [], lines: p.lines };
    } catch (err) {
      if (err instanceof BrokerError) return { ok: false, line: `invalid ${err.code}: ${err.message}`, details: err.details };
      return { ok: false, line: `unreadable: ${(err as Error).message}`, details: [] };
    }
  };
}

/**
 * Asks the broker's POST /api/v1/validate, which also knows what the store holds (field types,
 * tag values). The file's bytes go out unchanged: `5` and `5.0` keep their types.
 */
async function online(file: string, url: string, token: string): Promise<Verdict> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    return { ok: false, line: `unreadable: ${(err as Error).message}`, details: [] };
  }
  const target = joinUrl(url, '/api/v1/validate');
  let res: Response;
  try {
    res = await fetch(target, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: new Uint8Array(bytes),
      redirect: 'manual',
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new Error(`cannot reach ${target}: ${cause?.code ?? (err as Error).message}`);
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: the status says enough.
  }
  // Keys as the schema of the dry run's answer names them; checked all the same (another broker may answer).
  const answer = json as Partial<ValidateAnswer>;
  if (res.status === 200 && answer.valid === true) {
    const points = Array.isArray(answer.points) ? answer.points.length : 0;
    const duplicates = typeof answer.duplicates === 'number' ? answer.duplicates : 0;
    const items = Array.isArray(answer.duplicate_items) ? answer.duplicate_items : [];
    const line = `ok metric=${String(answer.metric)} database=${String(answer.database)} points=${points}${duplicatesNote(duplicates, items)}`;
    return { ok: true, line, details: [], lines: String(answer.line_protocol ?? '') };
  }
  const code = typeof json['code'] === 'string' ? json['code'] : `HTTP_${res.status}`;
  const message = typeof json['data'] === 'string' ? json['data'] : `${target} answered ${res.status}`;
  const details = Array.isArray(json['errors'])
    ? (json['errors'] as { path?: unknown; message?: unknown }[]).map((e) => ({ path: String(e.path ?? ''), message: String(e.message ?? '') }))
    : [];
  if (res.status === 401 || res.status === 403 || res.status >= 500) throw new Error(`${target} answered ${res.status} ${code}: ${message}`);
  return { ok: false, line: `invalid ${code}: ${message}`, details };
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .argument('<files...>', 'payload files (JSON)')
    .option('--lines', 'also print the line protocol of valid files')
    .option('--url <url>', 'ask this broker (POST /api/v1/validate), which also knows the stored field types and tag values')
    .option('--token <token>', 'token for --url (default: QMB_TOKEN)')
    .description('validate payload files offline, with the same rules and messages as the server; with --url, against what the store holds too')
    .action(async (files: string[], opts: { lines?: boolean; url?: string; token?: string }) => {
      const config = cliConfig();
      let judge: (file: string) => Promise<Verdict>;
      if (opts.url !== undefined) {
        const token = opts.token ?? process.env['QMB_TOKEN'];
        if (!token) throw new Error('--url needs a token: give --token or set QMB_TOKEN');
        const url = opts.url;
        judge = (file) => online(file, url, token);
      } else {
        const registry = loadRegistry({ extraDir: config.metricsDir });
        judge = async (file) => offline(file)(registry);
      }
      let bad = 0;
      for (const file of files) {
        const v = await judge(file);
        if (!v.ok) bad++;
        process.stdout.write(`${file}: ${v.line}\n`);
        for (const d of v.details) process.stdout.write(`  ${d.path || '/'}: ${d.message}\n`);
        if (v.ok && opts.lines) process.stdout.write(`${v.lines}\n`);
      }
      if (bad > 0) {
        process.stderr.write(`qmb: ${bad} of ${files.length} files invalid\n`);
        process.exitCode = 1;
      }
    });
}
