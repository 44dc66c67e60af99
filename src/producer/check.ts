// `qmb check`: the head's payloads (or a stored revision) checked by the broker's POST /api/v1/checks, the answer printed and written for CI.
import { appendFile, writeFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { parseBudgets } from '../check/budgets.js';
import { renderGerrit } from '../check/render-gerrit.js';
import { renderJUnit } from '../check/render-junit.js';
import { renderMarkdown } from '../check/render-markdown.js';
import { renderText } from '../check/render-text.js';
import type { CheckResult } from '../check/result.js';
import { parseWaiver, waiverLines } from '../check/waivers.js';
import { BrokerError } from '../errors.js';
import { type ConnectionDeps, type ConnectionFlags, resolvePushOptions } from './connection.js';
import { baselineCandidates, commitMessage } from './git.js';
import { readInput } from './input.js';
import { type PushErrorDetail, type PushOptions, errorOf, formatPushResult, joinUrl, pushPayload, readBody } from './push.js';
import { NetworkError, fetchWithRetry } from './retry-fetch.js';

/** The exit statuses of `qmb check`: a tool error (2) is never taken for a regression (1). */
export const CHECK_EXIT = { ok: 0, fail: 1, error: 2, noBaseline: 3 } as const;

/** How many first-parent commits from the merge-base `--baseline-git` passes. */
export const GIT_CANDIDATES = 50;

/** The options of `qmb check` besides the connection. */
export interface CheckFlags {
  head?: string | undefined;
  /** `--baseline` values as given (each may list several revisions, comma-separated). */
  baseline?: string[] | undefined;
  baselineGit?: string | undefined;
  budgets?: string | undefined;
  waiver?: string[] | undefined;
  waiversFromGit?: string | undefined;
  push?: boolean | undefined;
  requireBaseline?: boolean | undefined;
  record: boolean;
  summary?: string | undefined;
  junit?: string | undefined;
  json?: string | undefined;
  gerrit?: string | undefined;
  gerritLabel?: string | undefined;
}

/** The outside world of a check run, replaceable in tests. */
export interface CheckIo {
  env: NodeJS.ProcessEnv;
  /** Where git runs (`--baseline-git`, `--waivers-from-git`). */
  cwd: string;
  /** stdout. */
  write: (text: string) => void;
  /** stderr, one line at a time. */
  log: (line: string) => void;
  /** Replaces the password read of `--user` (tests). */
  connection?: Partial<ConnectionDeps>;
}

/** One payload of the head: where it came from (for messages) and its bytes as read. */
interface HeadPayload {
  source: string;
  bytes: Buffer;
}

/** A waiver text and where it was given, for messages. */
interface WaiverText {
  text: string;
  source: string;
}

/**
 * Reads payload files: each holds one JSON payload (what `qmb push` sends), or one per line (what
 * `--out` of the collect verbs writes). The bytes go to the broker unchanged: `5` and `5.0` differ.
 */
export async function readHeadPayloads(files: readonly string[]): Promise<HeadPayload[]> {
  const out: HeadPayload[] = [];
  for (const file of files) {
    const name = file === '-' ? 'stdin' : file;
    const bytes = await readInput(file);
    const text = bytes.toString('utf8');
    try {
      JSON.parse(text);
      out.push({ source: name, bytes });
      continue;
    } catch (err) {
      const lines = text.split('\n').map((l, i) => ({ line: l.replace(/\r$/, ''), n: i + 1 })).filter((l) => l.line.trim() !== '');
      const each = lines.length > 1 && lines.every((l) => parses(l.line));
      if (!each) throw new Error(`${name} is not a JSON payload: ${(err as Error).message}`);
      for (const l of lines) out.push({ source: `${name}:${l.n}`, bytes: Buffer.from(l.line) });
    }
  }
  return out;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Reads and checks a budgets file (YAML or JSON); a bad one is a usage error naming each JSON Pointer. */
export async function readBudgetsFile(file: string): Promise<unknown> {
  const text = (await readInput(file)).toString('utf8');
  try {
    parseBudgets(text);
  } catch (err) {
    if (!(err instanceof BrokerError)) throw err;
    const lines = err.details.map((d) => `  ${file}: ${d.path || '/'}: ${d.message}`);
    throw new Error([`the budgets file ${file} is not valid (schema: GET /api/v1/checks/budgets.schema.json):`, ...lines].join('\n'));
  }
  // Valid: parsing again cannot fail, and gives the plain document to send.
  return parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 }) ?? {};
}

/** The baseline candidates: `--baseline-git`'s commits, then every `--baseline` revision; newest first, each once. */
async function candidatesOf(flags: CheckFlags, io: CheckIo): Promise<string[]> {
  const list: string[] = [];
  if (flags.baselineGit !== undefined) {
    try {
      list.push(...(await baselineCandidates(io.cwd, flags.baselineGit, GIT_CANDIDATES)));
    } catch (err) {
      throw new Error(`--baseline-git ${flags.baselineGit}: ${(err as Error).message}`);
    }
  }
  for (const value of flags.baseline ?? []) {
    for (const rev of value.split(',').map((s) => s.trim())) {
      if (rev === '') throw new Error(`--baseline "${value}": an empty revision; give REV[,REV...]`);
      list.push(rev);
    }
  }
  return [...new Set(list)];
}

/** Waivers of the head commit's message and of `--waiver`, each checked here so that a typo names where it was. */
async function waiversOf(flags: CheckFlags, io: CheckIo): Promise<WaiverText[]> {
  const out: WaiverText[] = [];
  const rev = flags.waiversFromGit ?? (flags.baselineGit !== undefined ? 'HEAD' : undefined);
  if (rev !== undefined) {
    let message: string;
    try {
      message = await commitMessage(io.cwd, rev);
    } catch (err) {
      throw new Error(`--waivers-from-git ${rev}: ${(err as Error).message}`);
    }
    for (const text of waiverLines(message)) out.push({ text, source: `Quality-Waiver in the message of ${rev}` });
  }
  for (const text of flags.waiver ?? []) out.push({ text, source: '--waiver' });
  for (const w of out) {
    try {
      parseWaiver(w.text);
    } catch (err) {
      throw new Error(`${w.source}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** The request body, with the payload bytes spliced in as read. */
function requestBody(head: HeadPayload[] | string, candidates: string[], budgets: unknown, waivers: WaiverText[], record: boolean): Buffer {
  const parts: Buffer[] = [Buffer.from('{"head":')];
  if (typeof head === 'string') parts.push(Buffer.from(JSON.stringify({ revision: head })));
  else {
    parts.push(Buffer.from('{"payloads":['));
    head.forEach((p, i) => parts.push(...(i > 0 ? [Buffer.from(',')] : []), p.bytes));
    parts.push(Buffer.from(']}'));
  }
  let rest = `,"baseline":${JSON.stringify({ revisions: candidates })}`;
  if (budgets !== undefined) rest += `,"budgets":${JSON.stringify(budgets)}`;
  if (waivers.length > 0) rest += `,"waivers":${JSON.stringify(waivers.map((w) => w.text))}`;
  rest += `,"record":${record}}`;
  parts.push(Buffer.from(rest));
  return Buffer.concat(parts);
}

/** Where a JSON Pointer of the request points, in the user's terms: the payload file, the budgets file, the waiver. */
function locator(head: HeadPayload[] | string, budgetsFile: string | undefined, waivers: WaiverText[]): (pointer: string) => string {
  return (pointer) => {
    const payload = /^\/head\/payloads\/(\d+)(.*)$/.exec(pointer);
    if (payload && typeof head !== 'string') {
      const source = head[Number(payload[1])]?.source ?? `payload ${payload[1]}`;
      return `${source}: ${payload[2] || '/'}`;
    }
    const budgets = /^\/budgets(.*)$/.exec(pointer);
    if (budgets && budgetsFile !== undefined) return `${budgetsFile}: ${budgets[1] || '/'}`;
    const waiver = /^\/waivers\/(\d+)$/.exec(pointer);
    if (waiver) {
      const w = waivers[Number(waiver[1])];
      if (w) return `${w.source} "${w.text}"`;
    }
    if (pointer === '/head/revision' && typeof head === 'string') return `--head ${head}`;
    return pointer || '/';
  };
}

/** The broker's refusal as an error: the status and code, then each problem where the user can find it. */
function refusal(status: number, e: { code?: string | undefined; message?: string | undefined; errors: PushErrorDetail[] }, where: (p: string) => string): Error {
  const message = (e.message ?? '').replace(/^(\/head\/payloads\/\d+): /, (_m, p: string) => `${where(p).replace(/: \/$/, '')}: `);
  const lines = [`the broker refused the check: ${status}${e.code ? ` ${e.code}` : ''} ${message}`.trimEnd()];
  for (const d of e.errors) lines.push(`  ${where(d.path)}: ${d.message}`);
  if (e.code === 'METRIC_FORBIDDEN') lines.push('  recording a check needs a user that may write every metric of the head: use such a token, or --no-record');
  if (status === 401) lines.push('  give a valid token with --token or QMB_TOKEN, or log in with --user');
  return new Error(lines.join('\n'));
}

/** Sends the check; returns the answer and its text as the broker sent it. */
export async function postCheck(body: Buffer, opts: PushOptions, where: (p: string) => string): Promise<{ result: CheckResult; text: string }> {
  const target = joinUrl(opts.url, '/api/v1/checks');
  const headers = { Authorization: `Bearer ${opts.token}`, 'Content-Type': 'application/json' };
  const bytes = new Uint8Array(body);
  let res: Response;
  try {
    res = await fetchWithRetry(target, () => ({ method: 'POST', headers, body: bytes, redirect: 'manual' }), { ...opts, label: 'check' });
  } catch (err) {
    if (err instanceof NetworkError) throw new Error(`cannot reach the broker: ${err.message}`);
    throw err;
  }
  const parsed = await readBody(res);
  if (res.status >= 300 && res.status < 400) {
    const to = res.headers.get('location');
    throw new Error(`${target} answered ${res.status}, a redirect${to ? ` to ${to}` : ''}, which is not followed; give the broker's own address with --url or QMB_URL`);
  }
  if (res.status !== 200) throw refusal(res.status, errorOf(res, parsed), where);
  const j = parsed.json;
  if (!j || typeof j['verdict'] !== 'string' || !Array.isArray(j['rows'])) {
    throw new Error(`${target} answered 200 without a check result (an older broker, or not a broker?): ${parsed.text.slice(0, 200)}`);
  }
  return { result: j as unknown as CheckResult, text: parsed.text };
}

/** The usage rules commander cannot say: a head of one kind, a baseline, options that need others. */
function checkUsage(files: readonly string[], flags: CheckFlags): void {
  if (flags.head !== undefined && files.length > 0) throw new Error('give payload files or --head REV, not both');
  if (flags.head === undefined && files.length === 0) throw new Error('nothing to check: give payload files (- for stdin) or --head REV');
  if (files.filter((f) => f === '-').length > 1) throw new Error('stdin (-) can be read only once');
  if (flags.push && flags.head !== undefined) throw new Error('--push needs payload files: with --head the broker holds the head already');
  if (flags.baselineGit === undefined && (flags.baseline ?? []).length === 0) {
    throw new Error('which baseline? give --baseline-git REF (e.g. origin/main) or --baseline REV[,REV...]');
  }
  if (flags.gerritLabel !== undefined && flags.gerrit === undefined) throw new Error('--gerrit-label needs --gerrit FILE');
}

/** The link to the recorded check on the dashboard: QMB_PUBLIC_URL when set (the address people use), else the broker's. */
export function checkLink(id: number | null, brokerUrl: string, env: NodeJS.ProcessEnv): string | undefined {
  if (id === null) return undefined;
  const base = (env['QMB_PUBLIC_URL'] || brokerUrl).replace(/\/+$/, '');
  return `${base}/dashboard/#/check?id=${id}`;
}

/** Writes the files asked for; the summary is appended (GitHub's step summary holds every step's). */
async function writeOutputs(result: CheckResult, text: string, flags: CheckFlags, link: string | undefined, io: CheckIo): Promise<void> {
  const summary = flags.summary ?? (io.env['GITHUB_STEP_SUMMARY'] || undefined);
  const write = async (what: string, file: string, content: string, append = false): Promise<void> => {
    try {
      await (append ? appendFile(file, content) : writeFile(file, content));
    } catch (err) {
      throw new Error(`cannot write the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  if (summary !== undefined) await write('summary', summary, `${renderMarkdown(result, { link })}\n`, true);
  if (flags.junit !== undefined) await write('JUnit report', flags.junit, renderJUnit(result));
  if (flags.json !== undefined) await write('JSON answer', flags.json, text.endsWith('\n') ? text : `${text}\n`);
  if (flags.gerrit !== undefined) await write('Gerrit review', flags.gerrit, `${JSON.stringify(renderGerrit(result, { label: flags.gerritLabel, link }), null, 2)}\n`);
}

/**
 * Runs `qmb check` and returns its exit status: 0 for pass, warn and no-baseline, 1 for fail, 3
 * for no-baseline with --require-baseline. Usage, broker and network problems throw (exit 2).
 */
export async function runCheckCommand(files: readonly string[], flags: CheckFlags, connection: ConnectionFlags, io: CheckIo): Promise<number> {
  checkUsage(files, flags);
  const budgets = flags.budgets === undefined ? undefined : await readBudgetsFile(flags.budgets);
  const candidates = await candidatesOf(flags, io);
  const waivers = await waiversOf(flags, io);
  const head = flags.head ?? (await readHeadPayloads(files));
  const opts = await resolvePushOptions(connection, { env: io.env, stdinTaken: files.includes('-'), log: io.log, ...io.connection });
  const where = locator(head, flags.budgets, waivers);
  const { result, text } = await postCheck(requestBody(head, candidates, budgets, waivers, flags.record), opts, where);

  const link = checkLink(result.id, opts.url, io.env);
  io.write(renderText(result, { link }));
  await writeOutputs(result, text, flags, link, io);

  let status: number = result.verdict === 'fail' ? CHECK_EXIT.fail : CHECK_EXIT.ok;
  if (result.verdict === 'no-baseline' && flags.requireBaseline) {
    io.log('qmb check: no baseline, and --require-baseline was given');
    status = CHECK_EXIT.noBaseline;
  }
  if (flags.push && typeof head !== 'string') {
    // Whatever the verdict: the history stays complete, and the next change has this one as its baseline.
    let pushed = true;
    io.write('\n');
    for (const p of head) {
      const r = await pushPayload(p.bytes, p.source, opts);
      for (const l of formatPushResult(p.source, r, opts.waitSeconds)) io.write(`${l}\n`);
      pushed &&= r.ok;
    }
    if (!pushed) {
      io.log('qmb check: --push: not every payload was accepted');
      if (status === CHECK_EXIT.ok) status = CHECK_EXIT.error;
    }
  }
  return status;
}
