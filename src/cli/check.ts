// `qmb check`: gate a change on the broker's verdict; exit 0 pass, 1 fail, 2 usage/broker/network error, 3 no baseline when required.
import { type Command, CommanderError, InvalidArgumentError } from 'commander';
import { CHECK_EXIT, type CheckFlags, GIT_CANDIDATES, runCheckCommand } from '../producer/check.js';
import type { ConnectionFlags } from '../producer/connection.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function retries(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`--retries wants a whole number, got "${v}"`);
  return Number(v);
}

/** Registers `qmb check`. Its errors of every kind (usage too) exit 2, so that a job never takes them for a regression. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description(
      'compare the metrics of a change with its baseline on the broker (docs/gate.md); exit 0 pass, warn or no baseline, 1 fail, 2 usage, broker or network error, 3 no baseline with --require-baseline',
    )
    .argument('[files...]', 'payload files (the JSON qmb push sends; one per line is read too), or - for stdin')
    .option('--head <rev>', 'check what the broker already holds for this revision, instead of files')
    .option('--baseline <revs>', 'baseline candidates, newest first: REV[,REV...] (repeatable)', collect)
    .option('--baseline-git <ref>', `candidates from git in this directory: the merge-base of HEAD and REF, then its first-parent ancestors (${GIT_CANDIDATES} in all)`)
    .option('--budgets <file>', 'rules of your own, YAML or JSON (schema: GET /api/v1/checks/budgets.schema.json)')
    .option('--waiver <text>', "'<metric> <series glob>: <reason>' turns matching fail rows into waived (repeatable)", collect)
    .option('--waivers-from-git <rev>', 'read Quality-Waiver: lines of this commit\'s message (default HEAD with --baseline-git)')
    .option('--push', 'push the payloads after checking, whatever the verdict')
    .option('--require-baseline', 'exit 3 when no candidate holds any series of the head')
    .option('--no-record', 'do not keep the result on the broker (no link, no dashboard entry)')
    .option('--summary <file>', 'append the result as Markdown (default: $GITHUB_STEP_SUMMARY when set)')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--json <file>', "write the broker's answer as JSON")
    .option('--gerrit <file>', 'write a Gerrit ReviewInput JSON')
    .option('--gerrit-label <name>', 'vote on this label in the Gerrit review: -1 on fail, +1 otherwise (e.g. Verified)')
    .option('--url <url>', 'broker base URL (default: $QMB_URL)')
    .option('--token <token>', 'API token (default: $QMB_TOKEN)')
    .option('--user <name>', 'log in as this user; password on stdin or in $QMB_PASSWORD')
    .option('--retries <n>', 'retries on network errors, 5xx and 429', retries, 5)
    .exitOverride((err) => {
      // Help and version exit 0; every usage error of this verb exits 2, not commander's 1.
      throw err.exitCode === 0 ? err : new CommanderError(CHECK_EXIT.error, err.code, err.message);
    })
    .action(async (files: string[], flags: CheckFlags & ConnectionFlags) => {
      const log = (line: string): void => {
        process.stderr.write(`${line}\n`);
      };
      try {
        process.exitCode = await runCheckCommand(files, flags, flags, {
          env: process.env,
          cwd: process.cwd(),
          write: (text) => process.stdout.write(text),
          log,
        });
      } catch (err) {
        log(`qmb check: ${(err as Error).message}`);
        process.exitCode = CHECK_EXIT.error;
      }
    });
}
