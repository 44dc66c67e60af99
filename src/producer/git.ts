// Runs the real `git` (no shell) and reads release tags with their dates.
import { execFile } from 'node:child_process';

/** Runs git in `repo` and returns its stdout; a failure names the command and git's own message. */
export function git(repo: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-C', repo, ...args],
      // Big trees list many files; LC_ALL=C keeps messages and dates in one known form.
      { maxBuffer: 512 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' } },
      (err, stdout, stderr) => {
        if (err) {
          const detail = String(stderr).trim().split('\n')[0] || err.message;
          reject(new Error(`git ${args[0] ?? ''} failed in ${repo}: ${detail}`));
        } else {
          resolve(String(stdout));
        }
      },
    );
  });
}

/** A tag and the date that orders releases. */
export interface TagInfo {
  name: string;
  /** Tagger date of an annotated tag, else the commit date, in git's `%ai` form (`2020-09-08 14:22:45 +0100`). */
  date: string;
  /** The same instant in seconds since the epoch. */
  epoch: number;
  /** The calendar day as written in `date`, e.g. 20200908 (the `Git_Tag_Date` tag). */
  day: number;
  annotated: boolean;
  /** The revision of its commit, for git commands. */
  rev: string;
}

/** `2020-09-08 14:22:45 +0100` -> 20200908, the day as written. */
function dayOf(isoDate: string): number {
  return Number(isoDate.slice(0, 10).replaceAll('-', ''));
}

/** Lists every tag with its date; `creatordate` is exactly "tagger date, else commit date". */
export async function listTags(repo: string): Promise<TagInfo[]> {
  const out = await git(repo, [
    'for-each-ref',
    '--format=%(refname:strip=2)%00%(objecttype)%00%(creatordate:iso)%00%(creatordate:unix)',
    'refs/tags',
  ]);
  const tags: TagInfo[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [name = '', type = '', date = '', epoch = ''] = line.split('\0');
    tags.push({ name, date, epoch: Number(epoch), day: dayOf(date), annotated: type === 'tag', rev: tagCommit(name) });
  }
  return tags;
}

/** The revision of a tag's commit, unambiguous even when a branch has the same name. */
export function tagCommit(tag: string): string {
  return `refs/tags/${tag}^{commit}`;
}

/** The target tag and the base a comparison runs between. */
export interface TagPair {
  target: TagInfo;
  /** A tag, or for a first release the root commit (named by its first 10 hex digits). */
  base: TagInfo;
  /** Set when no release tag came before the target and the root commit stands in: says so. */
  rootNote?: string;
}

/** The oldest root commit (no parents) in the history of `rev`, and how many roots it has. */
export async function rootCommit(repo: string, rev: string): Promise<{ info: TagInfo; roots: number }> {
  const out = await git(repo, ['log', '--max-parents=0', '--format=%H%x00%ci%x00%ct', rev, '--']);
  const roots = out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [sha = '', date = '', epoch = ''] = l.split('\0');
      return { name: sha.slice(0, 10), date, epoch: Number(epoch), day: dayOf(date), annotated: false, rev: sha };
    })
    .sort((a, b) => a.epoch - b.epoch);
  const oldest = roots[0];
  if (!oldest) throw new Error(`no root commit found for ${rev} in ${repo}`);
  return { info: oldest, roots: roots.length };
}

/**
 * Finds the target tag and its base: `base` when given, else the newest tag matching
 * `pattern` dated on an earlier day than the target (tags of the target's own day are
 * skipped, so a release candidate tagged alongside the release is not taken as its base).
 * A first release has no such tag: its base is then the root commit of its history.
 */
export async function resolveTags(repo: string, tag: string, base: string | undefined, pattern: RegExp): Promise<TagPair> {
  const tags = await listTags(repo);
  const byName = new Map(tags.map((t) => [t.name, t]));
  const target = byName.get(tag);
  if (!target) throw new Error(`no tag ${tag} in ${repo}`);
  if (base !== undefined) {
    const b = byName.get(base);
    if (!b) throw new Error(`no tag ${base} in ${repo}`);
    return { target, base: b };
  }
  const candidates = tags
    .filter((t) => t.name !== tag && pattern.test(t.name) && t.day < target.day)
    .sort((a, b) => b.epoch - a.epoch);
  const found = candidates[0];
  if (found) return { target, base: found };
  const root = await rootCommit(repo, target.rev);
  const which = root.roots > 1 ? `the oldest of its ${root.roots} root commits` : 'the root commit';
  return {
    target,
    base: root.info,
    rootNote: `no release tag matching ${pattern.source} dated before ${tag}: the base is ${which} ${root.info.name} (first release; give --base to choose another)`,
  };
}

/** The commit a build was made from, as the image-size and MISRA metrics tag it. */
export interface CommitDetails {
  id: string;
  title: string;
  /** Committer date in strict ISO 8601, the same form CI text files carry. */
  date: string;
}

/** Reads id, subject and committer date of `rev` (default HEAD). */
export async function commitDetails(repo: string, rev = 'HEAD'): Promise<CommitDetails> {
  const out = await git(repo, ['log', '-1', '--format=%H%x00%s%x00%cI', rev, '--']);
  const [id = '', title = '', date = ''] = out.replace(/\n$/, '').split('\0');
  return { id, title, date };
}

/**
 * The baseline candidates of the change at HEAD against `ref` (e.g. `origin/main`): their merge-base
 * and its first-parent ancestors, newest first, `count` in all at most.
 */
export async function baselineCandidates(repo: string, ref: string, count = 50): Promise<string[]> {
  const base = (await git(repo, ['merge-base', 'HEAD', ref])).trim();
  const list = await git(repo, ['rev-list', '--first-parent', '-n', String(count), base]);
  return list.split('\n').filter((l) => l !== '');
}

/** The full message of a commit (subject, body and trailers). */
export async function commitMessage(repo: string, rev: string): Promise<string> {
  return git(repo, ['log', '-1', '--format=%B', rev, '--']);
}
