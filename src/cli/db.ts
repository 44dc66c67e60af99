// `qmb db create`: create every database the known metrics write to.
import type { Command } from 'commander';
import { createSink } from '../broker.js';
import { loadRegistry } from '../metrics/registry.js';
import { cliConfig } from './context.js';

export function registerDb(program: Command): void {
  program
    .command('db')
    .description('database management')
    .command('create')
    .description('create every database the known metrics need (InfluxDB, or the embedded store)')
    .action(async () => {
      const config = cliConfig();
      const registry = loadRegistry({ extraDir: config.metricsDir });
      const sink = createSink(config);
      try {
        for (const db of registry.databases()) {
          await sink.createDatabase(db);
          process.stdout.write(`created ${db}\n`);
        }
      } finally {
        await sink.close();
      }
    });
}
