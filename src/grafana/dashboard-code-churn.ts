// Code churn: lines of change per release tag, for TF-A and TF-M.
import { barChart, DashboardBuilder, sortBy, type JsonObject } from './model.js';

function project(d: DashboardBuilder, name: string, database: string, measurement: string): void {
  d.row(`${name} code churn`)
    .panel({
      type: 'barchart',
      title: `${name}: lines of change per release`,
      description: 'Lines changed between each release tag and the one before it, in release order (tag date).',
      database,
      width: 14,
      height: 9,
      queries: [
        {
          query: `SELECT last("Lines_of_Change") AS "Lines of change" FROM "${measurement}" WHERE $timeFilter GROUP BY "Target_Tag"`,
          format: 'table',
        },
      ],
      transformations: [sortBy('Time')],
      options: barChart('Target_Tag'),
    })
    .panel({
      type: 'table',
      title: `${name}: releases`,
      database,
      width: 10,
      height: 9,
      queries: [
        {
          query: `SELECT "Target_Tag", "Base_Tag", "Git_Tag_Date", "Lines_of_Change" FROM "${measurement}" WHERE $timeFilter`,
          format: 'table',
        },
      ],
      transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }, { id: 'sortBy', options: { sort: [{ field: 'Git_Tag_Date', desc: true }] } }],
    });
}

/** The code churn dashboard. */
export function codeChurnDashboard(): JsonObject {
  const d = new DashboardBuilder('qmb-code-churn', 'Code churn', 'Lines of change between release tags.');
  project(d, 'TF-A', 'TFA_CodeChurn', 'TFA_CodeChurn_Tracking');
  project(d, 'TF-M', 'TFM_CodeChurn', 'TFM_CodeChurn_Tracking');
  return d.build();
}
