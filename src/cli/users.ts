// `qmb users add|list|remove` and `qmb token NAME`.
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { hashPassword } from '../auth/password.js';
import { readStdin } from '../producer/input.js';
import { withShared } from './shared.js';

export function registerUsers(program: Command): void {
  const users = program.command('users').description('manage the users who may push metrics');

  users
    .command('add')
    .argument('<name>', 'user name (used at /auth)')
    .option('--id <n>', 'user id carried in tokens (default: next free id)')
    .option('--metrics <globs>', 'comma-separated metric patterns the user may write', '*')
    .option('--password-stdin', 'read the password from stdin (otherwise one is generated and printed)')
    .description('add a user, or update one with the same name')
    .action(async (name: string, opts: { id?: string; metrics: string; passwordStdin?: boolean }) => {
      // Everything from the command line and stdin is checked before a connection is made.
      if (opts.id !== undefined && !/^\d+$/.test(opts.id)) throw new Error(`--id must be a whole number, got "${opts.id}"`);
      const metrics = opts.metrics.split(',').map((m) => m.trim()).filter(Boolean);
      if (metrics.length === 0) throw new Error('--metrics needs at least one pattern');
      let password: string;
      let generated = false;
      if (opts.passwordStdin) {
        password = (await readStdin()).toString('utf8').replace(/\r?\n$/, '');
        if (password.length < 8) throw new Error('the password must have at least 8 characters');
      } else {
        password = randomBytes(12).toString('base64url');
        generated = true;
      }
      const hash = await hashPassword(password);
      await withShared(async ({ users: store }) => {
        const existing = store.byName(name);
        const id = opts.id !== undefined ? Number(opts.id) : (existing?.id ?? (await store.nextId()));
        await store.save({ id, name, password: hash, metrics });
        process.stdout.write(`${existing ? 'updated' : 'added'} user ${name} (id ${id}, metrics ${metrics.join(',')})\n`);
        if (generated) process.stdout.write(`password: ${password}\n`);
      });
    });

  users
    .command('list')
    .description('list users: id, name, metrics')
    .action(() =>
      withShared(({ users: store }) => {
        const list = store.list();
        if (list.length === 0) process.stdout.write('no users\n');
        for (const u of list) process.stdout.write(`${u.id}\t${u.name}\t${u.metrics.join(',')}\n`);
      }),
    );

  users
    .command('remove')
    .argument('<name>')
    .description('remove a user (their tokens stop working)')
    .action((name: string) =>
      withShared(async ({ users: store }) => {
        if (!(await store.remove(name))) throw new Error(`no user named ${name}`);
        process.stdout.write(`removed user ${name}\n`);
      }),
    );

  program
    .command('token')
    .argument('<name>', 'user name')
    .description("print a token for that user, signed with the broker's key")
    .action((name: string) =>
      withShared(async ({ users: store, tokens }) => {
        const user = store.byName(name);
        if (!user) throw new Error(`no user named ${name} in ${store.location}`);
        process.stdout.write(`${await tokens().issue(user.id)}\n`);
      }),
    );
}
