// Grafana provisioning: data sources, dashboards, export.
export { DATABASES, dataSourceUid, dataSources, type DataSourceSpec } from './databases.js';
export {
  DEFAULT_DASHBOARDS_PATH,
  DEFAULT_INFLUX_URL,
  dashboards,
  dashboardProviderYaml,
  dataSourcesYaml,
  provisioningFiles,
  timeFromOption,
  type ProvisioningOptions,
} from './provisioning.js';
export { exportGrafana } from './export.js';
export { DEFAULT_TIME_FROM } from './model.js';
