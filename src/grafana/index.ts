// Grafana provisioning: data sources, dashboards, export.
export { DATABASES, dataSourceUid, dataSources, type DataSourceSpec } from './databases.js';
export {
  DEFAULT_DASHBOARDS_PATH,
  DEFAULT_INFLUX_URL,
  dashboards,
  dashboardProviderYaml,
  dataSourcesYaml,
  provisioningFiles,
  type ProvisioningOptions,
} from './provisioning.js';
export { exportGrafana } from './export.js';
