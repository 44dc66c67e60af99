// Where to push and with which token: flags first, then QMB_* environment variables.
import { fetchToken, type PushOptions } from './push.js';
import { readStdin } from './input.js';
import type { BackoffOptions } from '../backoff.js';

/** The push-related flags shared by `push` and every `--push`. */
export interface ConnectionFlags {
  url?: string;
  token?: string;
  user?: string;
  legacy?: boolean;
  wait?: number;
  dryRun?: boolean;
  retries: number;
}

/** Collaborators of {@link resolvePushOptions}, replaceable in tests. */
export interface ConnectionDeps {
  env: NodeJS.ProcessEnv;
  /** True when stdin carries a payload, so it cannot also carry the password. */
  stdinTaken: boolean;
  readPassword?: () => Promise<string>;
  log?: (line: string) => void;
  backoff?: Partial<BackoffOptions>;
}

/** Per-request timeout before any `?wait=` is added. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** Checks the flags and logs in when `--user` is given; returns ready-to-use push options. */
export async function resolvePushOptions(flags: ConnectionFlags, deps: ConnectionDeps): Promise<PushOptions> {
  const url = flags.url ?? deps.env.QMB_URL;
  if (!url) throw new Error('no broker address: give --url or set QMB_URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--url / QMB_URL is not a URL: "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`--url must be http(s), got "${url}"`);
  if (flags.legacy && flags.dryRun) throw new Error('--dry-run needs the new API; the legacy route cannot validate');
  if (flags.legacy && flags.wait !== undefined) throw new Error('--wait needs the new API; the legacy route cannot wait');
  const common = { retries: flags.retries, timeoutMs: REQUEST_TIMEOUT_MS, log: deps.log, backoff: deps.backoff };
  let token = flags.user ? undefined : (flags.token ?? deps.env.QMB_TOKEN);
  if (flags.user) {
    let password = deps.env.QMB_PASSWORD;
    if (password === undefined) {
      if (deps.stdinTaken) throw new Error('--user with a payload on stdin: give the password in QMB_PASSWORD');
      const text = deps.readPassword ? await deps.readPassword() : (await readStdin()).toString('utf8');
      password = text.split(/\r?\n/)[0] ?? '';
    }
    if (password === '') throw new Error(`no password for ${flags.user}: pipe it on stdin or set QMB_PASSWORD`);
    token = await fetchToken(url, flags.user, password, common);
  }
  if (!token) throw new Error('no token: give --token, set QMB_TOKEN, or log in with --user');
  return { ...common, url, token, legacy: flags.legacy, waitSeconds: flags.wait, dryRun: flags.dryRun };
}
