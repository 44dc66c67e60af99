// Brokers sharing a PostgreSQL journal: the test users are created there with the real
// `qmb users add`, as an operator would, before the brokers start.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { TEST_USERS } from './broker.js';

/** Adds TEST_USERS (same ids, names, passwords and metrics) to the users kept in QMB_JOURNAL_URL's PostgreSQL. */
export function addPgUsers(env: Record<string, string>): void {
  const cli = path.resolve('dist/src/cli/main.js');
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QMB_')) childEnv[k] = v;
  for (const u of TEST_USERS) {
    const run = spawnSync(process.execPath, [cli, 'users', 'add', u.name, '--id', String(u.id), '--metrics', u.metrics.join(','), '--password-stdin'], {
      env: { ...childEnv, ...env },
      input: `${u.password}\n`,
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`qmb users add ${u.name} failed (${run.status}): ${run.stderr}`);
  }
}
