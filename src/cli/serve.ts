// `qmb serve`: run the broker until SIGTERM or SIGINT.
import type { Command } from 'commander';
import { loadConfig, settingsHelp } from '../config.js';
import { ensureFirstUser, startBroker } from '../main.js';
import { startBanner } from './banner.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the broker (embedded store unless QMB_INFLUX_URL is set)')
    .addHelpText('after', `\n${settingsHelp()}`)
    .action(async () => {
      const config = loadConfig();
      const broker = await startBroker(config);
      const password = await ensureFirstUser(broker.deps);
      const lines = startBanner(config, { url: broker.url, password });
      process.stderr.write(`${lines.join('\n')}\n`);
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        broker
          .close()
          .then(() => process.exit(0))
          .catch((err: Error) => {
            process.stderr.write(`qmb: shutdown failed: ${err.message}\n`);
            process.exit(1);
          });
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
