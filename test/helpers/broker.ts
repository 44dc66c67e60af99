// Brokers for tests: a real `qmb serve` child process, or the app in-process for inject().
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { hashPassword } from '../../src/auth/password.js';
import { TokenService } from '../../src/auth/tokens.js';
import { UsersStore } from '../../src/auth/users.js';
import { type BrokerDeps, closeBroker, createBroker } from '../../src/broker.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import type { Sink } from '../../src/sinks/sink.js';
import { freePort, waitFor } from './ports.js';

/** Users every test broker has: `ci` may write everything, `tfa` only tfa_* metrics. */
export const TEST_USERS = [
  { id: 1, name: 'ci', password: 'ci-password-1', metrics: ['*'] },
  { id: 7, name: 'tfa', password: 'tfa-password-7', metrics: ['tfa_*'] },
];

export interface TestSetup {
  dataDir: string;
  secret: string;
  env: Record<string, string>;
  /** A valid token for a test user (default `ci`). */
  token(name?: string): string;
}

/** A fresh data dir with the test users, a secret, and tokens for them: what a test broker starts from. */
export async function prepareTestBroker(env: Record<string, string>): Promise<TestSetup> {
  const dataDir = env['QMB_DATA_DIR'] ?? mkdtempSync(path.join(tmpdir(), 'qmb-broker-'));
  // An empty QMB_SECRET_KEY (the broker then uses its generated key file) still signs the test tokens with something.
  const secret = env['QMB_SECRET_KEY'] || randomBytes(32).toString('hex');
  const users = new UsersStore(path.join(dataDir, 'users.json'));
  if (users.list().length === 0) {
    for (const u of TEST_USERS) await users.save({ id: u.id, name: u.name, password: await hashPassword(u.password), metrics: u.metrics });
  }
  const tokens = new TokenService(secret, 3600);
  const minted = new Map<string, string>();
  for (const u of TEST_USERS) minted.set(u.name, await tokens.issue(u.id));
  return {
    dataDir,
    secret,
    env: { QMB_DATA_DIR: dataDir, QMB_SECRET_KEY: secret, QMB_LOG_LEVEL: 'warn', ...env },
    token: (name = 'ci') => {
      const t = minted.get(name);
      if (!t) throw new Error(`no test user ${name}`);
      return t;
    },
  };
}

/** How one `qmb serve` run began: up and answering, or exited (with its code and stderr). */
export interface StartAttempt {
  started: boolean;
  code: number | null;
  stderr: string;
}

export interface BrokerProcess extends TestSetup {
  url: string;
  port: number;
  child(): ChildProcess | undefined;
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
  /** Starts the broker again with the same data dir, port and secret (and extra `qmb serve` options). */
  start(args?: string[]): Promise<void>;
  /**
   * Runs `qmb serve` once more with the same settings and reports whether it came up (it then keeps
   * running, as after start()) or exited first, with its exit code and what it wrote to stderr.
   */
  attempt(args?: string[]): Promise<StartAttempt>;
  /** Removes the data dir (after stop). */
  cleanup(): void;
}

/** Starts `node dist/src/cli/main.js serve` with a fresh data dir and test users. */
export async function startBrokerProcess(env: Record<string, string> = {}): Promise<BrokerProcess> {
  const setup = await prepareTestBroker(env);
  const port = Number(env['QMB_PORT'] ?? (await freePort()));
  const url = `http://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  let output = '';
  const cli = path.resolve('dist/src/cli/main.js');
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QMB_')) childEnv[k] = v;

  const attempt = async (args: string[] = []): Promise<StartAttempt> => {
    // A broker still running from before would hold the port (and this test process) open.
    const previous = proc;
    if (previous && previous.exitCode === null && previous.signalCode === null) {
      const gone = new Promise((r) => previous.once('exit', r));
      previous.kill('SIGKILL');
      await gone;
    }
    const p = spawn(process.execPath, [cli, 'serve', ...args], {
      env: { ...childEnv, ...setup.env, QMB_PORT: String(port), QMB_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc = p;
    let stderr = '';
    const collect = (d: Buffer): void => {
      output = (output + d.toString()).slice(-1_000_000);
    };
    p.stdout?.on('data', collect);
    p.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      collect(d);
    });
    const exit = new Promise<void>((r) => p.once('close', () => r()));
    let started = false;
    await waitFor(async () => {
      if (p.exitCode !== null || p.signalCode !== null) return true;
      started = (await fetch(`${url}/healthz`)).ok;
      return started;
    }, 20_000, 'the broker to answer /healthz or exit');
    if (!started) await exit;
    return { started, code: p.exitCode, stderr };
  };

  const start = async (args: string[] = []): Promise<void> => {
    const a = await attempt(args);
    if (!a.started) throw new Error(`broker exited ${a.code}: ${output}`);
  };

  const exited = (p: ChildProcess): Promise<number | null> =>
    p.exitCode !== null || p.signalCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once('exit', (code) => r(code)));

  await start();
  return {
    ...setup,
    url,
    port,
    child: () => proc,
    output: () => output,
    async stop() {
      const p = proc;
      if (!p) return null;
      const done = exited(p);
      p.kill('SIGTERM');
      return done;
    },
    async kill() {
      const p = proc;
      if (!p) return;
      const done = exited(p);
      p.kill('SIGKILL');
      await done;
    },
    start,
    attempt,
    cleanup() {
      rmSync(setup.dataDir, { recursive: true, force: true });
    },
  };
}

export interface InProcessBroker extends TestSetup {
  app: FastifyInstance;
  deps: BrokerDeps;
  close(): Promise<void>;
}

/** Builds the app in this process (for inject()); the delivery worker runs unless `worker: false`. */
export async function startBrokerInProcess(
  env: Record<string, string> = {},
  options: { sink?: Sink; worker?: boolean } = {},
): Promise<InProcessBroker> {
  const setup = await prepareTestBroker(env);
  const config = loadConfig({}, setup.env);
  const deps = createBroker(config, options.sink ? { sink: options.sink } : {});
  const app = await buildApp(deps);
  if (options.worker !== false) deps.worker.start();
  return {
    ...setup,
    app,
    deps,
    async close() {
      await app.close();
      await closeBroker(deps, deps.clock.now() + 2000);
      rmSync(setup.dataDir, { recursive: true, force: true });
    },
  };
}
