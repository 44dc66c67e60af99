// The InfluxDB databases the broker writes, and the Grafana data source provisioned for each.

/** One provisioned data source: a database and the stable uid that dashboards reference. */
export interface DataSourceSpec {
  readonly database: string;
  readonly uid: string;
}

/**
 * Every database the built-in metrics write to (see docs on the metric definitions). Kept here
 * as plain data so that the provisioning files do not depend on loading the metric registry; a
 * test checks the list against the databases the broker really creates.
 */
export const DATABASES: readonly string[] = Object.freeze([
  'TFA_CodeChurn',
  'TFA_Complexity',
  'TFA_Defects',
  'TFA_ImageSize',
  'TFA_MisraDefects',
  'TFA_RTINSTR',
  'TFM_CodeChurn',
  'TFM_Complexity',
  'TFM_Defects',
  'TFM_ImageSize',
]);

/** The uid of a database's data source: stable, so dashboards and users' links survive re-provisioning. */
export function dataSourceUid(database: string): string {
  return `qmb-${database.toLowerCase().replace(/_/g, '-')}`;
}

/** The data source of each database, in a fixed order. */
export function dataSources(): DataSourceSpec[] {
  return DATABASES.map((database) => ({ database, uid: dataSourceUid(database) }));
}
