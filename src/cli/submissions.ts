// `qmb submissions list|retry`: inspect and replay the journal (safe while the broker runs).
import type { Command } from 'commander';
import { SUBMISSION_STATUSES } from '../contract/submission.js';
import { createJournal } from '../journal/create-journal.js';
import type { Journal } from '../journal/journal.js';
import type { SubmissionStatus } from '../journal/submission.js';
import { cliConfig } from './context.js';

const STATUSES: readonly string[] = SUBMISSION_STATUSES;

function openJournal(): Journal {
  return createJournal(cliConfig());
}

export function registerSubmissions(program: Command): void {
  const cmd = program.command('submissions').description('inspect and replay the journal');

  cmd
    .command('list')
    .option('--status <status>', 'pending, delivered or rejected')
    .option('--limit <n>', 'how many, newest first', '50')
    .description('list submissions, newest first')
    .action(async (opts: { status?: string; limit: string }) => {
      if (opts.status && !STATUSES.includes(opts.status)) throw new Error(`--status must be one of ${STATUSES.join(', ')}`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a positive whole number');
      const journal = openJournal();
      try {
        const list = await journal.list({ status: opts.status as SubmissionStatus | undefined, limit });
        if (list.length === 0) process.stdout.write('no submissions\n');
        for (const s of list) {
          const when = new Date(s.receivedAt).toISOString();
          const err = s.lastError ? `\t${s.lastError}` : '';
          process.stdout.write(`${s.id}\t${s.status}\t${when}\t${s.metric}\t${s.database}\t${s.points} points\t${s.attempts} attempts${err}\n`);
        }
      } finally {
        await journal.close();
      }
    });

  cmd
    .command('retry')
    .argument('<id>', 'submission id')
    .description('put a rejected submission back in the delivery queue')
    .action(async (raw: string) => {
      const id = Number(raw);
      if (!Number.isInteger(id)) throw new Error(`submission id must be a whole number, got "${raw}"`);
      const journal = openJournal();
      try {
        const s = await journal.get(id);
        if (!s) throw new Error(`no submission ${id}`);
        if (!(await journal.retry(id))) throw new Error(`submission ${id} is ${s.status}; only rejected submissions can be retried`);
        process.stdout.write(`submission ${id} is pending again; a running broker delivers it within seconds\n`);
      } finally {
        await journal.close();
      }
    });
}
