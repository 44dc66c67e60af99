// The check benchmark alone (also `npm run bench -- --only check`): see bench/check-case.ts.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { positiveInt } from './bench-options.js';
import { runCheckCase } from './check-case.js';

const program = new Command('check-bench')
  .description('Times the gate: a 500-series head against 20 candidate revisions, on InfluxDB and on the embedded store')
  .option('--history <n>', 'revisions stored before the check (the newest 20 are the candidates)', positiveInt(20), 200)
  .option('--runs <n>', 'timed checks per case and store, after 3 untimed ones', positiveInt(1), 20)
  .option('--json <file>', 'also write the figures as JSON')
  .parse();
const o = program.opts<{ history: number; runs: number; json?: string }>();

runCheckCase({ history: o.history, runs: o.runs }, (t) => process.stdout.write(t)).then(
  (results) => {
    if (o.json) writeFileSync(o.json, `${JSON.stringify({ history: o.history, runs: o.runs, results }, null, 2)}\n`);
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
