// Test helpers for the producer verbs: run `qmb` as a child process, build git repositories.
import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { REPO_ROOT } from './repo.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** What a `qmb` run printed and how it ended. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli/main.js ...args` with a clean QMB_* environment. */
export function runQmb(args: string[], opts: { env?: Record<string, string>; input?: string | Buffer; cwd?: string } = {}): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('QMB_') && k !== 'GITHUB_TOKEN') env[k] = v;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: opts.cwd ?? REPO_ROOT, env: { ...env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs git in `dir` with fixed author and committer dates (tagger date too, for `git tag -a`). */
export function gitAt(dir: string, date: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'git',
      ['-C', dir, ...args],
      {
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'Test',
          GIT_AUTHOR_EMAIL: 'test@example.org',
          GIT_COMMITTER_NAME: 'Test',
          GIT_COMMITTER_EMAIL: 'test@example.org',
          GIT_AUTHOR_DATE: date,
          GIT_COMMITTER_DATE: date,
          GIT_CONFIG_NOSYSTEM: '1',
          HOME: dir,
        },
      },
      (err, stdout, stderr) => (err ? reject(new Error(`git ${args.join(' ')}: ${String(stderr)}`)) : resolvePromise(String(stdout))),
    );
  });
}

/** Writes files (path relative to `dir`), creating their directories. */
export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** `n` numbered lines of text. */
export function lines(n: number, prefix = 'line'): string {
  return Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).join('');
}
