// `qmb grafana export`: writes Grafana provisioning files.
import type { Command } from 'commander';

/** Adds the grafana verbs to the program. */
export function registerGrafanaCommands(_program: Command): void {}
