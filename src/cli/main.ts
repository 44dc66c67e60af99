#!/usr/bin/env node
// The `qmb` command line: one file per verb, all registered here.
import { Command } from 'commander';
import { registerProducerCommands } from './producer.js';
import { registerGrafanaCommands } from './grafana.js';
import { runCli } from './run.js';

const program = new Command('qmb')
  .description('Quality Metrics Broker: receive, validate and store CI quality metrics')
  .showHelpAfterError();

registerProducerCommands(program);
registerGrafanaCommands(program);

await runCli(program, process.argv);
