// Defects: open defects over time (weekly last value) and the defect tables with links.
import { DashboardBuilder, linkColumn, type JsonObject } from './model.js';

const weeklyBars: JsonObject = {
  defaults: { unit: 'short', custom: { drawStyle: 'bars', fillOpacity: 60, lineWidth: 1 } },
  overrides: [],
};

/** The defects dashboard. */
export function defectsDashboard(): JsonObject {
  const d = new DashboardBuilder('qmb-defects', 'Defects', 'Open defects over time and the list of defects.');
  d.row('TF-A defects')
    .panel({
      type: 'timeseries',
      title: 'TF-A: open defects (last value of each week)',
      database: 'TFA_Defects',
      width: 24,
      height: 8,
      queries: [
        {
          // Producers write the status in either case ("Open", "open").
          query:
            'SELECT last("Number_of_Defects") FROM "TFA_Defects_Tracking" WHERE "Issue_Status" =~ /(?i)^open$/ AND $timeFilter GROUP BY time(1w) fill(none)',
          alias: 'Open defects',
        },
      ],
      fieldConfig: weeklyBars,
    })
    .panel({
      type: 'table',
      title: 'TF-A: defects',
      description: 'Latest state of each defect in the time range.',
      database: 'TFA_Defects',
      width: 24,
      height: 10,
      queries: [
        {
          query:
            'SELECT last("Title") AS "Title", last("Issue_Status") AS "Status", last("URL") AS "URL" FROM "TFA_Defects_Statistics" WHERE $timeFilter GROUP BY "Defect_ID"',
          format: 'table',
        },
      ],
      transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }],
      fieldConfig: { defaults: {}, overrides: [linkColumn('URL')] },
    });
  d.row('TF-M defects')
    .panel({
      type: 'timeseries',
      title: 'TF-M: defects measured per week',
      description: 'Number of distinct defects reported in each week.',
      database: 'TFM_Defects',
      width: 24,
      height: 8,
      queries: [
        {
          query:
            'SELECT count(s) FROM (SELECT last("Summary") AS s FROM "TFM_Defects_Statistics" WHERE $timeFilter GROUP BY time(1w), "Defect_ID") WHERE $timeFilter GROUP BY time(1w) fill(none)',
          alias: 'Defects',
        },
      ],
      fieldConfig: weeklyBars,
    })
    .panel({
      type: 'table',
      title: 'TF-M: defects',
      description: 'Latest state of each defect in the time range.',
      database: 'TFM_Defects',
      width: 24,
      height: 10,
      queries: [
        {
          query:
            'SELECT last("Summary") AS "Summary", last("Status") AS "Status", last("Priority") AS "Priority", last("Existing_Defect") AS "Existing", last("URL") AS "URL" FROM "TFM_Defects_Statistics" WHERE $timeFilter GROUP BY "Defect_ID"',
          format: 'table',
        },
      ],
      transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }],
      fieldConfig: { defaults: {}, overrides: [linkColumn('URL')] },
    });
  return d.build();
}
