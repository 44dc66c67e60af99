// `qmb serve` as an operator starts it: exactly the environment given (no test secret or users), its output kept.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './ports.js';

export const CLI = path.resolve('dist/src/cli/main.js');

/** The test runner's environment without any QMB_* variable, so only what a test sets reaches the broker. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QMB_') && k !== 'NODE_EXTRA_CA_CERTS') env[k] = v;
  return env;
}

export interface ServeProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `qmb serve` with `env` and waits until `ready` says so (it sees the output so far). */
export async function spawnServe(env: Record<string, string>, ready: (output: string) => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], { env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer): void => {
    output += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = (): Promise<number | null> =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
  try {
    // An exit ends the wait at once (waitFor would keep polling past a thrown error).
    await waitFor(async () => child.exitCode !== null || (await ready(output)), timeoutMs, 'the broker to be ready');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  if (child.exitCode !== null) throw new Error(`broker exited ${child.exitCode}: ${output}`);
  return {
    child,
    output: () => output,
    async stop() {
      const done = exited();
      child.kill('SIGTERM');
      return done;
    },
  };
}

/** Runs a `qmb` verb to completion with exactly `env` (plus PATH and the like). */
export function runQmb(args: string[], env: Record<string, string>, options: { input?: string; cwd?: string } = {}): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...cleanEnv(), ...env },
    encoding: 'utf8',
    timeout: 30_000,
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}
