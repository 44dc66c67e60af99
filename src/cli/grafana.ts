// `qmb grafana export`: writes Grafana provisioning files.
import type { Command } from 'commander';
import { DEFAULT_DASHBOARDS_PATH, DEFAULT_INFLUX_URL, exportGrafana } from '../grafana/index.js';

/** Adds the grafana verbs to the program. */
export function registerGrafanaCommands(program: Command): void {
  const grafana = program.command('grafana').description('Grafana provisioning for the metric databases');
  grafana
    .command('export')
    .description('write data sources (one per database), the dashboards provider and the dashboards into DIR')
    .argument('<dir>', 'output folder; mount DIR/provisioning as /etc/grafana/provisioning')
    .option('--influx-url <url>', 'InfluxDB URL as the Grafana server reaches it', DEFAULT_INFLUX_URL)
    .option('--dashboards-path <path>', 'folder where Grafana will find DIR/dashboards', DEFAULT_DASHBOARDS_PATH)
    .action((dir: string, opts: { influxUrl: string; dashboardsPath: string }) => {
      const files = exportGrafana(dir, { influxUrl: opts.influxUrl, dashboardsPath: opts.dashboardsPath });
      process.stdout.write(`wrote ${files.length} files to ${dir}\n`);
    });
}
