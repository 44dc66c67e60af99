// `collect code-churn`: lines added plus deleted between two release tags, within path filters.
import { git, resolveTags } from './git.js';
import { compilePathRules, droppedByFilter, type PathRule } from './path-filter.js';
import { makePayload, type Payload } from './payload.js';

/** Options of {@link collectCodeChurn}. */
export interface CodeChurnOptions {
  repo: string;
  tag: string;
  base?: string;
  tagPattern: RegExp;
  rules: readonly PathRule[];
  project: 'tfa' | 'tfm';
}

/** One file's change as `git diff --numstat` reports it. */
export interface FileChange {
  path: string;
  /** The path before a rename, when git saw one. */
  oldPath?: string;
  added: number;
  deleted: number;
}

/** Parses `git diff --numstat -z` (binary files count as 0 lines; renames carry both paths). */
export function parseNumstat(out: string): FileChange[] {
  const tokens = out.split('\0');
  const changes: FileChange[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    if (t === '') continue;
    const [a = '-', d = '-', path = ''] = t.split('\t');
    const added = a === '-' ? 0 : Number(a);
    const deleted = d === '-' ? 0 : Number(d);
    if (path !== '') {
      changes.push({ path, added, deleted });
    } else {
      const oldPath = tokens[++i] ?? '';
      const newPath = tokens[++i] ?? '';
      changes.push({ path: newPath, oldPath, added, deleted });
    }
  }
  return changes;
}

/** Sums the lines of changes whose old or new path passes the filter. */
export function sumChurn(changes: readonly FileChange[], keep: (path: string) => boolean): number {
  let total = 0;
  for (const c of changes) {
    if (keep(c.path) || (c.oldPath !== undefined && keep(c.oldPath))) total += c.added + c.deleted;
  }
  return total;
}

/** Computes the churn payload (`tfa_code_churn` or `tfm_code_churn`). */
export async function collectCodeChurn(opts: CodeChurnOptions, log: (line: string) => void = () => {}): Promise<Payload> {
  const { target, base, rootNote } = await resolveTags(opts.repo, opts.tag, opts.base, opts.tagPattern);
  if (rootNote) log(`code-churn: ${rootNote}`);
  log(`code-churn: ${base.name} (${base.date}) -> ${target.name} (${target.date})`);
  // -M: count a moved file by what changed in it, as `git diff --stat` does by default.
  const out = await git(opts.repo, ['diff', '--numstat', '-z', '-M', base.rev, target.rev]);
  const changes = parseNumstat(out);
  const keep = compilePathRules(opts.rules);
  const lines = sumChurn(changes, keep);
  const dropped = changes.filter((c) => !(keep(c.path) || (c.oldPath !== undefined && keep(c.oldPath)))).length;
  log(`code-churn: ${changes.length} files changed, ${lines} lines counted`);
  log(`code-churn: ${droppedByFilter(dropped, opts.rules)}`);
  const tfa = opts.project === 'tfa';
  return makePayload(tfa ? 'tfa_code_churn' : 'tfm_code_churn', [
    {
      measurement: tfa ? 'TFA_CodeChurn_Tracking' : 'TFM_CodeChurn_Tracking',
      fields: { Lines_of_Change: lines },
      // TF-M's schema wants every tag as a string; TF-A's keeps the day a number.
      tags: { Git_Tag_Date: tfa ? target.day : String(target.day), Base_Tag: base.name, Target_Tag: target.name },
      time: target.date,
    },
  ]);
}
