// `collect complexity`: modified McCabe complexity per function with the real `pmccabe`,
// over the tree of the target tag (extracted with `git archive`, the checkout is not touched).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, resolveTags } from './git.js';
import { compilePathRules, droppedByFilter, type PathRule } from './path-filter.js';
import { makePayload, type DataItem, type Payload } from './payload.js';

/** Options of {@link collectComplexity}. */
export interface ComplexityOptions {
  repo: string;
  tag: string;
  base?: string;
  tagPattern: RegExp;
  rules: readonly PathRule[];
  /** Functions scoring above this are reported. */
  threshold: number;
  /** Path of an allow-list file, see {@link parseAllowlist}. */
  allowlist?: string;
  project: 'tfa' | 'tfm';
  /** File name endings handed to pmccabe. */
  extensions: readonly string[];
  /** Files per pmccabe run (keeps argv short and progress regular). */
  batchSize?: number;
}

/** One function as pmccabe scores it. */
export interface FunctionScore {
  /** Modified McCabe: a `switch` counts once, not once per `case`. */
  score: number;
  file: string;
  line: number;
  name: string;
}

/** Parses pmccabe's default output: five numbers, then `file(line): function`. */
export function parsePmccabe(out: string): FunctionScore[] {
  const result: FunctionScore[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\d+)\t\d+\t\d+\t\d+\t\d+\t(.+)\((\d+)\): (.+)$/.exec(line);
    if (m) result.push({ score: Number(m[1]), file: (m[2] ?? '').replace(/^\.\/(?=-)/, ''), line: Number(m[3]), name: m[4] ?? '' });
  }
  return result;
}

/**
 * Reads an allow-list: one entry per line, `FUNCTION` (any file) or `PATH:FUNCTION`
 * (path from the repository root); `#` starts a comment.
 */
export function parseAllowlist(text: string): (fn: FunctionScore) => boolean {
  const anywhere = new Set<string>();
  const inFile = new Set<string>();
  for (const raw of text.split('\n')) {
    const entry = raw.replace(/#.*/, '').trim();
    if (entry === '') continue;
    if (entry.includes(':')) inFile.add(entry);
    else anywhere.add(entry);
  }
  return (fn) => anywhere.has(fn.name) || inFile.has(`${fn.file}:${fn.name}`);
}

function runPmccabe(cwd: string, files: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // A file named like an option ("-x.c") is passed as "./-x.c"; the parser takes the "./" off again.
    const args = files.map((f) => (f.startsWith('-') ? `./${f}` : f));
    execFile('pmccabe', args, { cwd, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
      if (e && e.code === 'ENOENT') reject(new Error('pmccabe is not installed (Debian package "pmccabe")'));
      // pmccabe exits non-zero on files it cannot parse but still scores the rest: keep its output.
      else if (e && !stdout) reject(new Error(`pmccabe failed: ${String(stderr).trim() || e.message}`));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Extracts the tree of `rev` into `dir` by piping `git archive` into `tar`, no shell. */
function extractTree(repo: string, rev: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', ['-C', repo, 'archive', '--format=tar', rev], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    archive.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    tar.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    archive.stdout.pipe(tar.stdin);
    let pending = 2;
    let failed = false;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0 && !failed) {
        failed = true;
        reject(new Error(`${what} failed while extracting ${rev}: ${errors.trim() || `exit ${code}`}`));
      }
      if (--pending === 0 && !failed) resolve();
    };
    archive.on('error', reject);
    tar.on('error', reject);
    archive.on('close', done('git archive'));
    tar.on('close', done('tar'));
  });
}

/** Scores every function in the filtered tree of the target tag. */
export async function scoreTree(
  opts: Pick<ComplexityOptions, 'repo' | 'rules' | 'extensions' | 'batchSize'>,
  rev: string,
  log: (line: string) => void,
): Promise<FunctionScore[]> {
  const listing = await git(opts.repo, ['ls-tree', '-r', '-z', '--name-only', rev]);
  const keep = compilePathRules(opts.rules);
  const sources = listing.split('\0').filter((f) => f !== '' && opts.extensions.some((ext) => f.endsWith(ext)));
  const files = sources.filter(keep);
  log(`complexity: ${droppedByFilter(sources.length - files.length, opts.rules)}`);
  const dir = await mkdtemp(join(tmpdir(), 'qmb-complexity-'));
  try {
    await extractTree(opts.repo, rev, dir);
    const scores: FunctionScore[] = [];
    const batch = opts.batchSize ?? 200;
    let warnings = 0;
    for (let i = 0; i < files.length; i += batch) {
      const { stdout, stderr } = await runPmccabe(dir, files.slice(i, i + batch));
      scores.push(...parsePmccabe(stdout));
      for (const w of stderr.split('\n').filter((l) => l.trim() !== '')) {
        warnings++;
        log(`complexity: pmccabe: ${w}`);
      }
      log(`complexity: scored ${Math.min(i + batch, files.length)}/${files.length} files`);
    }
    if (warnings > 0) log(`complexity: pmccabe reported ${warnings} problem(s); those functions may be missing`);
    return scores;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Computes the complexity payloads: the functions over the threshold as
 * `tfa_complexity_stats` (left out when there are none: a payload needs one point) and,
 * for TF-A, their count without the allow-listed ones as `tfa_complexity_tracking`.
 */
export async function collectComplexity(opts: ComplexityOptions, log: (line: string) => void = () => {}): Promise<Payload[]> {
  const { target, base, rootNote } = await resolveTags(opts.repo, opts.tag, opts.base, opts.tagPattern);
  if (rootNote) log(`complexity: ${rootNote}`);
  const allowed = opts.allowlist ? parseAllowlist(await readFile(opts.allowlist, 'utf8')) : () => false;
  log(`complexity: ${target.name} (${target.date}), base ${base.name}, threshold ${opts.threshold}`);
  const scores = await scoreTree(opts, target.rev, log);
  const over = scores.filter((s) => s.score > opts.threshold);
  const tfa = opts.project === 'tfa';
  const stats = over.map((fn): DataItem => {
    const whitelisted = allowed(fn) ? 'yes' : 'no';
    // Location carries the line: points differ only by tags, so two functions of one file
    // must not share a tag set or InfluxDB keeps only the last.
    const location = `${fn.file}:${fn.line}`;
    return tfa
      ? {
          measurement: 'TFA_Complexity_Statistics',
          fields: { Function_ID: fn.name, Score: fn.score, Whitelisted: whitelisted, Threshold: opts.threshold },
          tags: { Git_Tag_Date: target.day, Base_Tag: base.name, Target_Tag: target.name, Location: location },
          time: target.date,
        }
      : {
          measurement: 'TFM_Complexity_Statistics',
          fields: { Function: fn.name, Whitelisted: whitelisted, Location: fn.file, Score: fn.score, Threshold: opts.threshold },
          tags: { Git_Tag_Date: String(target.day), Target_Tag: target.name, Base_Tag: base.name, Location_Tag: location },
          time: target.date,
        };
  });
  const notAllowed = over.filter((fn) => !allowed(fn)).length;
  log(`complexity: ${scores.length} functions, ${over.length} over ${opts.threshold}, ${notAllowed} not allow-listed`);
  const payloads: Payload[] = [];
  if (stats.length > 0) payloads.push(makePayload(tfa ? 'tfa_complexity_stats' : 'tfm_complexity_stats', stats));
  if (tfa) {
    payloads.push(
      makePayload('tfa_complexity_tracking', [
        {
          measurement: 'TFA_Complexity_Tracking',
          fields: { Functions_Exceeding_Threshold_Not_Whitelisted: notAllowed, Whitelisted: 'no', Threshold: opts.threshold },
          tags: { Git_Tag_Date: target.day, Target_Tag: target.name },
          time: target.date,
        },
      ]),
    );
  }
  return payloads;
}
