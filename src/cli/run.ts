// Runs a commander program: a failure becomes one line on stderr and a non-zero exit status.
import type { Command } from 'commander';

/**
 * Parses argv and runs the chosen verb; any thrown error ends the process with status 1. A reader
 * that stops early (`qmb submissions list | head`) is not an error of ours.
 */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code?.startsWith('commander.')) {
      process.exitCode = e.exitCode ?? 1;
      return;
    }
    process.stderr.write(`qmb: ${e.message ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
