// `qmb validate FILE...`: the server's checks, offline, with the same messages.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { BrokerError } from '../errors.js';
import { duplicatesNote } from '../ingest/duplicates.js';
import { JsonBody } from '../ingest/json.js';
import { preparePayload } from '../ingest/prepare.js';
import { loadRegistry } from '../metrics/registry.js';
import { cliConfig } from './context.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .argument('<files...>', 'payload files (JSON)')
    .option('--lines', 'also print the line protocol of valid files')
    .description('validate payload files offline, with the same rules and messages as the server')
    .action((files: string[], opts: { lines?: boolean }) => {
      const config = cliConfig();
      const registry = loadRegistry({ extraDir: config.metricsDir });
      let bad = 0;
      for (const file of files) {
        try {
          const body = JsonBody.parseBytes(readFileSync(file));
          const p = preparePayload(body, registry, BigInt(Date.now()) * 1_000_000n);
          process.stdout.write(`${file}: ok metric=${p.metric.name} database=${p.database} points=${p.points.length}${duplicatesNote(p.duplicates, p.duplicateItems)}\n`);
          if (opts.lines) process.stdout.write(`${p.lines}\n`);
        } catch (err) {
          bad++;
          if (err instanceof BrokerError) {
            process.stdout.write(`${file}: invalid ${err.code}: ${err.message}\n`);
            for (const d of err.details) process.stdout.write(`  ${d.path || '/'}: ${d.message}\n`);
          } else {
            process.stdout.write(`${file}: unreadable: ${(err as Error).message}\n`);
          }
        }
      }
      if (bad > 0) {
        process.stderr.write(`qmb: ${bad} of ${files.length} files invalid\n`);
        process.exitCode = 1;
      }
    });
}
