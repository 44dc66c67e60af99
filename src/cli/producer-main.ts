// The single-file CLI for CI jobs (dist/cli/qmb.mjs, served by the broker at GET /cli/qmb.mjs): the producer verbs only, with no native module.
import { Command } from 'commander';
import { registerCheck } from './check.js';
import { registerProducerCommands } from './producer.js';
import { runCli } from './run.js';
import { registerValidate } from './validate.js';
import { qmbVersion } from '../version.js';

const program = new Command('qmb')
  .description('Quality Metrics Broker client for CI jobs: validate, push, convert, collect and check quality metrics (the broker serves this file at /cli/qmb.mjs)')
  .version(qmbVersion(), '-V, --version', 'print the version of qmb (the broker it was fetched from runs the same)')
  .showHelpAfterError();

registerValidate(program);
registerProducerCommands(program);
registerCheck(program);

await runCli(program, process.argv);
