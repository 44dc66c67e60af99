// Private PostgreSQL servers for tests (Debian's postgresql package): initdb into a temp dir, pg_ctl on free loopback ports,
// one primary alone or with streaming standbys made by pg_basebackup. Works as root (CI): the server runs as the `postgres` user.
import { execFile } from 'node:child_process';
import { accessSync, appendFileSync, chownSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, waitFor } from './ports.js';

const run = promisify(execFile);

function hasInitdb(dir: string): boolean {
  try {
    accessSync(path.join(dir, 'initdb'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folder of initdb, pg_ctl, pg_basebackup: `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin; undefined: PATH. */
async function findBinDir(): Promise<string | undefined> {
  try {
    // pg_config of libpq-dev may name a version without the server programs: check for initdb there.
    const dir = (await run('pg_config', ['--bindir'])).stdout.trim();
    if (dir && hasInitdb(dir)) return dir;
  } catch {
    // no pg_config
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (hasInitdb(path.join(root, v, 'bin'))) return path.join(root, v, 'bin');
  }
  return undefined;
}

let binDir: Promise<string | undefined> | undefined;
async function bin(name: string): Promise<string> {
  binDir ??= findBinDir();
  const dir = await binDir;
  return dir ? path.join(dir, name) : name;
}

/** True when PostgreSQL's server programs are installed (for tests to skip with a reason otherwise). */
export async function postgresAvailable(): Promise<boolean> {
  const initdb = await bin('initdb');
  try {
    await run(initdb, ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** initdb and postgres refuse to run as root: run them as `postgres` (Debian's package makes that user). */
const asRoot = process.getuid?.() === 0;
const SERVER_USER = process.env['PG_TEST_OS_USER'] ?? 'postgres';

async function runAsServerUser(file: string, args: string[], cwd: string): Promise<string> {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', SERVER_USER, '--', file, ...args]] : [file, args];
  try {
    const { stdout } = await run(cmd, argv, { cwd, env: { ...process.env, LC_ALL: 'C', LANG: 'C' }, maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`${path.basename(file)} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

function chownTree(dir: string): void {
  if (!asRoot) return;
  const { uid, gid } = serverIds();
  chownSync(dir, uid, gid);
}

let ids: { uid: number; gid: number } | undefined;
function serverIds(): { uid: number; gid: number } {
  if (ids) return ids;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${SERVER_USER}:`));
  const parts = line?.split(':');
  if (!parts || parts.length < 4) throw new Error(`running as root, PostgreSQL needs the OS user "${SERVER_USER}" (Debian's postgresql package creates it)`);
  ids = { uid: Number(parts[2]), gid: Number(parts[3]) };
  return ids;
}

/** Postmasters still running when the test process exits are shut down (immediate mode) so none is left behind. */
const running = new Set<string>();
process.on('exit', () => {
  for (const dataDir of running) {
    const pid = postmasterPid(dataDir);
    if (pid) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // gone
      }
    }
  }
});

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose parent is `pid` (the backends of a postmaster), from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export const PG_USER = 'qmb';
/** Has characters a URL must escape, so the code path of credentials in QMB_JOURNAL_URL is exercised. */
export const PG_PASSWORD = 'te st@pw/1:%';
export const PG_DATABASE = 'qmb';

export interface PostgresOptions {
  /**
   * fsync and synchronous WAL flush (default off, for a fast start). Off is only for contract tests of
   * the code; a test of what survives a crash turns it on. (SIGKILL of the server loses nothing the
   * OS already holds either way; only an OS crash would.)
   */
  fsync?: boolean;
  /** Extra `-c name=value` settings of postgres. */
  settings?: Record<string, string>;
}

export interface Postgres {
  /** `postgres://qmb:PASSWORD@127.0.0.1:PORT/qmb`, password escaped. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Fast shutdown (pg_ctl stop -m fast); start() brings it back on the same port and data. */
  stop(): Promise<void>;
  /** SIGKILL of the postmaster: a crash (the backends exit once they notice it gone). */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Runs SQL as the superuser; returns the rows of the (last) statement. */
  query<R = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<R[]>;
  /** Stops the server and removes its data. */
  destroy(): Promise<void>;
}

export function pgUrl(port: number, user = PG_USER, password = PG_PASSWORD, database = PG_DATABASE): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

async function queryAt<R>(port: number, sql: string, values?: unknown[], database = PG_DATABASE): Promise<R[]> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: PG_USER, password: PG_PASSWORD, database, connectionTimeoutMillis: 5000, query_timeout: 60_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    const res = await client.query(sql, values);
    const last = Array.isArray(res) ? (res as pg.QueryResult[])[(res as pg.QueryResult[]).length - 1] : res;
    return (last?.rows ?? []) as R[];
  } finally {
    await client.end().catch(() => {});
  }
}

/** A server on a data dir that exists (initdb'ed or made by pg_basebackup). */
function server(root: string, dataDir: string, port: number, options: PostgresOptions): Postgres {
  const socketDir = root;
  const fsync = options.fsync ? 'on' : 'off';
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDir,
    fsync,
    synchronous_commit: 'on',
    full_page_writes: fsync,
    max_connections: '100',
    shared_buffers: '32MB',
    wal_level: 'replica',
    max_wal_senders: '10',
    max_replication_slots: '10',
    hot_standby: 'on',
    logging_collector: 'off',
    ...options.settings,
  };
  // Settings go into the data dir (not onto the pg_ctl command line) so a standby made from it
  // and a restart after pg_ctl stop see the same ones.
  const writeSettings = (): void => {
    const lines = Object.entries(settings).map(([k, v]) => `${k} = '${v.replace(/'/g, "''")}'`);
    appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n# test settings\n${lines.join('\n')}\n`);
  };
  let configured = false;
  const logFile = path.join(root, `${path.basename(dataDir)}.log`);

  const self: Postgres = {
    url: pgUrl(port),
    port,
    dataDir,
    async start() {
      if (!configured) {
        writeSettings();
        configured = true;
      }
      await runAsServerUser(await bin('pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], root).catch((err: Error) => {
        let log = '';
        try {
          log = readFileSync(logFile, 'utf8').slice(-3000);
        } catch {
          // no log
        }
        throw new Error(`${err.message}\n${log}`);
      });
      running.add(dataDir);
      await waitFor(async () => (await queryAt(port, 'SELECT 1', [], 'postgres')).length === 1, 30_000, `PostgreSQL on port ${port}`);
    },
    async stop() {
      if (!postmasterPid(dataDir)) return;
      await runAsServerUser(await bin('pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], root).catch(() => {});
      running.delete(dataDir);
    },
    async kill() {
      const pid = postmasterPid(dataDir);
      if (pid) {
        const children = childrenOf(pid);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
        // Its backends notice the postmaster gone and exit; a new postmaster refuses to start while
        // they still hold the shared memory.
        await waitFor(() => [pid, ...children].every((p) => !alive(p)), 15_000, 'the killed server and its backends to exit');
      }
      running.delete(dataDir);
      // A later start() finds a stale postmaster.pid; postgres checks the pid and goes on.
    },
    query: (sql, values) => queryAt(port, sql, values),
    async destroy() {
      await self.stop();
      running.delete(dataDir);
    },
  };
  return self;
}

async function initCluster(root: string, dataDir: string): Promise<void> {
  const pwFile = path.join(root, 'pwfile');
  writeFileSync(pwFile, `${PG_PASSWORD}\n`, { mode: 0o600 });
  chownTree(pwFile);
  await runAsServerUser(
    await bin('initdb'),
    ['-D', dataDir, '-U', PG_USER, `--pwfile=${pwFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
    root,
  );
  rmSync(pwFile, { force: true });
}

function tempRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'qmb-pg-'));
  chownTree(root);
  return root;
}

/** One server with a superuser `qmb` (password PG_PASSWORD) and a database `qmb`. Call destroy() in an after hook. */
export async function startPostgres(options: PostgresOptions = {}): Promise<Postgres> {
  const root = tempRoot();
  const dataDir = path.join(root, 'primary');
  await initCluster(root, dataDir);
  const port = await freePort();
  const pgServer = server(root, dataDir, port, options);
  await pgServer.start();
  await queryAt(port, `CREATE DATABASE ${PG_DATABASE}`, [], 'postgres');
  return {
    ...pgServer,
    async destroy() {
      await pgServer.destroy();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface ClusterOptions extends PostgresOptions {
  /** Streaming standbys, named s1, s2, ... (their application_name). */
  standbys: number;
  /** synchronous_standby_names of the primary, e.g. 'ANY 1 (s1, s2)'; unset: asynchronous. */
  synchronous?: string;
}

export interface PostgresMember extends Postgres {
  /** s1, s2, ... for standbys; `primary` for the first server. */
  readonly name: string;
}

export interface PostgresCluster {
  readonly primary: PostgresMember;
  readonly standbys: readonly PostgresMember[];
  readonly members: readonly PostgresMember[];
  /** `postgres://qmb:PW@127.0.0.1:P1,127.0.0.1:P2,.../qmb` in the order given (default: primary first). */
  multiHostUrl(order?: readonly PostgresMember[]): string;
  urlOf(member: PostgresMember): string;
  /** pg_ctl promote; waits until it takes writes. */
  promote(standby: PostgresMember): Promise<void>;
  /** Points a standby at another primary (after a promotion) and reloads it. */
  follow(standby: PostgresMember, primary: PostgresMember): Promise<void>;
  /** Waits until every running standby replays the primary's current WAL position. */
  caughtUp(): Promise<void>;
  destroy(): Promise<void>;
}

function conninfo(port: number, name: string): string {
  const quote = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `host=127.0.0.1 port=${port} user=${PG_USER} password=${quote(PG_PASSWORD)} application_name=${name}`;
}

/** A primary and `standbys` streaming standbys (pg_basebackup -R), optionally synchronous. Call destroy() in an after hook. */
export async function startPostgresCluster(options: ClusterOptions): Promise<PostgresCluster> {
  const root = tempRoot();
  const primaryDir = path.join(root, 'primary');
  await initCluster(root, primaryDir);
  const primaryPort = await freePort();
  const primary: PostgresMember = { ...server(root, primaryDir, primaryPort, options), name: 'primary' };
  await primary.start();
  await queryAt(primaryPort, `CREATE DATABASE ${PG_DATABASE}`, [], 'postgres');

  const standbys: PostgresMember[] = [];
  for (let i = 1; i <= options.standbys; i += 1) {
    const name = `s${i}`;
    const dir = path.join(root, name);
    const port = await freePort();
    await runAsServerUser(
      await bin('pg_basebackup'),
      ['-D', dir, '-d', `${conninfo(primaryPort, name)} dbname=postgres`, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
      root,
    );
    // Its own port and socket (the copied postgresql.conf has the primary's); the standby's name for
    // synchronous_standby_names; follow the newest timeline after a promotion.
    // postgresql.auto.conf, where -R wrote its primary_conninfo, wins over postgresql.conf: name the standby there.
    appendFileSync(path.join(dir, 'postgresql.auto.conf'), `primary_conninfo = '${conninfo(primaryPort, name).replace(/'/g, "''")}'\n`);
    // Ignored while it is a standby; once promoted it waits for the same quorum of the others.
    if (options.synchronous) appendFileSync(path.join(dir, 'postgresql.auto.conf'), `synchronous_standby_names = '${options.synchronous.replace(/'/g, "''")}'\n`);
    const member: PostgresMember = { ...server(root, dir, port, { ...options, settings: { ...options.settings, recovery_target_timeline: 'latest' } }), name };
    await member.start();
    standbys.push(member);
  }
  if (options.synchronous) {
    await primary.query(`ALTER SYSTEM SET synchronous_standby_names = '${options.synchronous.replace(/'/g, "''")}'`);
    await primary.query('SELECT pg_reload_conf()');
    await waitFor(
      async () => {
        const rows = await primary.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')");
        return Number(rows[0]?.n) === options.standbys;
      },
      30_000,
      'the standbys to replicate synchronously',
    );
  }
  const members = [primary, ...standbys];
  const cluster: PostgresCluster = {
    primary,
    standbys,
    members,
    multiHostUrl(order = members) {
      return `postgres://${encodeURIComponent(PG_USER)}:${encodeURIComponent(PG_PASSWORD)}@${order.map((m) => `127.0.0.1:${m.port}`).join(',')}/${PG_DATABASE}`;
    },
    urlOf: (m) => m.url,
    async promote(standby) {
      await runAsServerUser(await bin('pg_ctl'), ['-D', standby.dataDir, '-w', '-t', '60', 'promote'], root);
      await waitFor(async () => (await standby.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]?.r === false, 30_000, `${standby.name} to leave recovery`);
    },
    async follow(standby, to) {
      await standby.query(`ALTER SYSTEM SET primary_conninfo = '${conninfo(to.port, standby.name).replace(/'/g, "''")}'`);
      await standby.query('SELECT pg_reload_conf()');
    },
    async caughtUp() {
      const [{ lsn } = { lsn: '' }] = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      for (const s of standbys) {
        if (!postmasterPid(s.dataDir)) continue;
        await waitFor(async () => (await s.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]))[0]?.ok === true, 30_000, `${s.name} to catch up`);
      }
    },
    async destroy() {
      for (const m of [...standbys, primary]) await m.destroy();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}
