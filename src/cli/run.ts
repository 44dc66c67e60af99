// Runs a commander program: a failure becomes one line on stderr and a non-zero exit status.
import type { Command } from 'commander';

/** Parses argv and runs the chosen verb; any thrown error ends the process with status 1. */
export async function runCli(program: Command, argv: string[]): Promise<void> {
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
