// `qmb grafana export`: writes Grafana provisioning files.
import type { Command } from 'commander';
import { DEFAULT_DASHBOARDS_PATH, DEFAULT_INFLUX_URL, DEFAULT_TIME_FROM, exportGrafana } from '../grafana/index.js';
import { parseInfluxRoutes } from '../influx/routes.js';

/** Adds the grafana verbs to the program. */
export function registerGrafanaCommands(program: Command): void {
  const grafana = program.command('grafana').description('Grafana provisioning for the metric databases');
  grafana
    .command('export')
    .description('write data sources (one per database), the dashboards provider and the dashboards into DIR')
    .argument('<dir>', 'output folder; mount DIR/provisioning as /etc/grafana/provisioning')
    .option('--influx-url <url>', 'InfluxDB URL as the Grafana server reaches it', DEFAULT_INFLUX_URL)
    .option('--influx-routes <routes>', 'DATABASE=URL,...: databases at another InfluxDB, as in QMB_INFLUX_ROUTES (URLs as Grafana reaches them)')
    .option('--dashboards-path <path>', 'folder where Grafana will find DIR/dashboards', DEFAULT_DASHBOARDS_PATH)
    .option('--time-from <time>', "start of the dashboards' default time range: a date (2021-01-01) or now-2y", DEFAULT_TIME_FROM.slice(0, 10))
    .action((dir: string, opts: { influxUrl: string; influxRoutes?: string; dashboardsPath: string; timeFrom: string }) => {
      const influxRoutes = opts.influxRoutes === undefined ? [] : parseInfluxRoutes(opts.influxRoutes, '--influx-routes');
      const files = exportGrafana(dir, { influxUrl: opts.influxUrl, influxRoutes, dashboardsPath: opts.dashboardsPath, timeFrom: opts.timeFrom });
      process.stdout.write(`wrote ${files.length} files to ${dir}\n`);
    });
}
