#!/usr/bin/env node
// The `qmb` command line: one file per verb, all registered here.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerCheck } from './check.js';
import { registerDb } from './db.js';
import { registerDemoData } from './demo-data.js';
import { registerExport } from './export.js';
import { registerProducerCommands } from './producer.js';
import { registerServe } from './serve.js';
import { registerSubmissions } from './submissions.js';
import { registerUsers } from './users.js';
import { registerValidate } from './validate.js';
import { registerGrafanaCommands } from './grafana.js';
import { runCli } from './run.js';

// A reader that stops early (`qmb submissions list | head`) is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

// The package root is three levels up from dist/src/cli/, in a checkout and when installed alike.
const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('qmb')
  .description('Quality Metrics Broker: receive, validate and store CI quality metrics')
  .version(version, '-V, --version', 'print the version of qmb')
  .showHelpAfterError();

registerServe(program);
registerUsers(program);
registerDb(program);
registerValidate(program);
registerSubmissions(program);
registerProducerCommands(program);
registerCheck(program);
registerGrafanaCommands(program);
registerDemoData(program);
registerExport(program);

await runCli(program, process.argv);
