// `qmb serve`: run the broker until SIGTERM or SIGINT.
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { loadConfig, settingsHelp } from '../config.js';
import { ensureFirstUser, startBroker } from '../main.js';
import { startBanner } from './banner.js';

/**
 * V8 lets the old space grow to up to four times what survived the last full GC before it collects
 * again; under load the broker's heap was then 160-190 MB for 50 MB of live data. 1.5 times keeps
 * the peak near the live data (measured in docs/performance.md). It is a growth factor, not a limit:
 * a large body still gets the heap it needs. A `--heap-growing-percent` given to node wins.
 */
export const HEAP_GROWING_PERCENT = 50;

/** Applies HEAP_GROWING_PERCENT unless node was started with its own `--heap-growing-percent`. */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the broker (embedded store unless QMB_INFLUX_URL is set)')
    .option('--new-journal', 'when the journal is missing, emptied, damaged or not the one journal.id names: set its files aside (nothing is deleted) and start an empty journal')
    .option('--accept-journal', 'take an intact journal as it is although journal.id names another journal or a later submission, and write journal.id anew')
    .addHelpText('after', `\n${settingsHelp()}`)
    .action(async (opts: { newJournal?: boolean; acceptJournal?: boolean }) => {
      if (opts.newJournal && opts.acceptJournal) throw new Error('use --new-journal or --accept-journal, not both');
      const config = loadConfig();
      limitHeapGrowth();
      const journalStart = opts.newJournal ? 'new' : opts.acceptJournal ? 'accept' : 'open';
      const broker = await startBroker(config, { journalStart });
      let password: string | undefined;
      try {
        password = await ensureFirstUser(broker.deps);
      } catch (err) {
        await broker.close();
        throw err;
      }
      const lines = startBanner(config, { url: broker.url, password, notice: broker.deps.journal.notice });
      process.stderr.write(`${lines.join('\n')}\n`);
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        broker
          .close()
          .then(() => process.exit(0))
          .catch((err: Error) => {
            process.stderr.write(`qmb: shutdown failed: ${err.message}\n`);
            process.exit(1);
          });
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
