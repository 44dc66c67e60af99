// `qmb validate FILE...`: the server's checks, offline with the same messages, or asked of a broker with --url.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { BrokerError } from '../errors.js';
import { duplicatesNote } from '../ingest/duplicates.js';
import { JsonBody } from '../ingest/json.js';
import { preparePayload } from '../metrics/prepare.js';
import { loadRegistry } from '../metrics/registry.js';
import { resolvePushOptions } from '../producer/connection.js';
import { type PushOptions, pushPayload, pushTarget } from '../producer/push.js';
import { cliConfig } from './context.js';
import { nonNegativeInt } from './producer.js';

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
 * tag values), through the client `qmb push` uses (retries, no redirects, TLS advice). The file's
 * bytes go out unchanged: `5` and `5.0` keep their types.
 */
async function online(file: string, push: PushOptions): Promise<Verdict> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    return { ok: false, line: `unreadable: ${(err as Error).message}`, details: [] };
  }
  const r = await pushPayload(bytes, file, push);
  const answer = r.body ?? {};
  if (r.outcome === 'valid') {
    const line = `ok metric=${String(answer['metric'])} database=${String(answer['database'])} points=${r.points ?? 0}${duplicatesNote(r.duplicates ?? 0, r.duplicateItems ?? [])}`;
    return { ok: true, line, details: [], lines: typeof answer['line_protocol'] === 'string' ? answer['line_protocol'] : '' };
  }
  // No answer about the file (unreachable, a redirect), or none this token may have: the run fails as a whole.
  if (r.outcome !== 'rejected') throw new Error(r.message ?? `no answer from ${pushTarget(push)}`);
  const status = r.status ?? 0;
  const code = r.code ?? `HTTP_${status}`;
  const message = r.message ?? `${pushTarget(push)} answered ${status}`;
  if (status === 401 || status === 403 || status >= 500) throw new Error(`${pushTarget(push)} answered ${status} ${code}: ${message}`);
  return { ok: false, line: `invalid ${code}: ${message}`, details: r.errors };
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .argument('<files...>', 'payload files (JSON)')
    .option('--lines', 'also print the line protocol of valid files')
    .option('--url <url>', 'ask this broker (POST /api/v1/validate), which also knows the stored field types and tag values')
    .option('--token <token>', 'token for --url (default: QMB_TOKEN)')
    .option('--retries <n>', 'with --url: retries on network errors, 5xx and 429', nonNegativeInt('--retries'), 5)
    .description('validate payload files offline, with the same rules and messages as the server; with --url, against what the store holds too')
    .action(async (files: string[], opts: { lines?: boolean; url?: string; token?: string; retries: number }) => {
      const config = cliConfig();
      let judge: (file: string) => Promise<Verdict>;
      if (opts.url !== undefined) {
        if (!(opts.token ?? process.env['QMB_TOKEN'])) throw new Error('--url needs a token: give --token or set QMB_TOKEN');
        const log = (line: string): void => void process.stderr.write(`${line}\n`);
        const push = await resolvePushOptions({ url: opts.url, token: opts.token, dryRun: true, retries: opts.retries }, { env: process.env, stdinTaken: false, log });
        judge = (file) => online(file, push);
      } else {
        const registry = loadRegistry({ extraDir: config.metricsDir });
        judge = (file) => Promise.resolve(offline(file)(registry));
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
