#!/usr/bin/env node
// The `qmb` command line: one file per verb, all registered here.
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
import { qmbVersion } from '../version.js';

const program = new Command('qmb')
  .description('Quality Metrics Broker: receive, validate and store CI quality metrics')
  .version(qmbVersion(), '-V, --version', 'print the version of qmb')
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
