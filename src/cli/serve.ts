// `qmb serve`: run the broker until SIGTERM or SIGINT.
import type { Command } from 'commander';
import { loadConfig, settingsHelp } from '../config.js';
import { ensureFirstUser, startBroker } from '../main.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the broker (embedded store unless QMB_INFLUX_URL is set)')
    .addHelpText('after', `\n${settingsHelp()}`)
    .action(async () => {
      const config = loadConfig();
      const broker = await startBroker(config);
      const password = await ensureFirstUser(broker.deps);
      const base = broker.url.replace('0.0.0.0', '127.0.0.1');
      const store = config.influxUrl ? `InfluxDB at ${config.influxUrl}` : `the embedded store in ${config.dataDir}`;
      const lines = [`Quality Metrics Broker listening on ${base}, writing to ${store}`];
      if (password) {
        lines.push(
          `Created the first user "admin" with password ${password}`,
          `  (shown once; stored hashed in ${config.usersFile}; add more with: npx qmb users add NAME --password-stdin)`,
        );
      }
      lines.push(
        'Get a token:',
        `  curl -s -X POST ${base}/auth -H 'Content-Type: application/json' -d '{"username": "admin", "password": "..."}'`,
        `  or: npx qmb token admin`,
        `Dashboard: ${base}/dashboard`,
      );
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
