// Complexity: functions over the threshold per release, and the functions of two chosen tags.
import { barChart, DashboardBuilder, sortBy, type JsonObject } from './model.js';

const TFA = 'TFA_Complexity';
const TFM = 'TFM_Complexity';

function functionsTable(database: string, query: string, title: string): Parameters<DashboardBuilder['panel']>[0] {
  return {
    type: 'table',
    title,
    description: 'Functions whose cyclomatic complexity was measured at this release tag.',
    database,
    width: 12,
    height: 10,
    queries: [{ query, format: 'table' }],
    transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }, { id: 'sortBy', options: { sort: [{ field: 'Score', desc: true }] } }],
    options: { showHeader: true, cellHeight: 'sm' },
  };
}

/** The complexity dashboard. */
export function complexityDashboard(): JsonObject {
  const d = new DashboardBuilder(
    'qmb-complexity',
    'Complexity',
    'Functions whose cyclomatic complexity exceeds the threshold, per release tag.',
  );
  const tagVar = (name: string, label: string, database: string, measurement: string) =>
    d.variable({ name, label, database, query: `SHOW TAG VALUES FROM "${measurement}" WITH KEY = "Target_Tag"` });
  tagVar('tfa_tag', 'TF-A tag', TFA, 'TFA_Complexity_Statistics');
  tagVar('tfa_tag2', 'TF-A tag to compare', TFA, 'TFA_Complexity_Statistics');
  tagVar('tfm_tag', 'TF-M tag', TFM, 'TFM_Complexity_Statistics');
  tagVar('tfm_tag2', 'TF-M tag to compare', TFM, 'TFM_Complexity_Statistics');

  const tfaFunctions = (v: string) =>
    `SELECT "Location", "Function_ID", "Score", "Threshold", "Whitelisted" FROM "TFA_Complexity_Statistics" WHERE "Target_Tag" = '$${v}' AND $timeFilter`;
  d.row('TF-A complexity')
    .panel({
      type: 'barchart',
      title: 'TF-A: functions over the threshold (not whitelisted) per release',
      database: TFA,
      width: 24,
      height: 8,
      queries: [
        {
          query: `SELECT last("Functions_Exceeding_Threshold_Not_Whitelisted") AS "Functions over threshold" FROM "TFA_Complexity_Tracking" WHERE $timeFilter GROUP BY "Target_Tag"`,
          format: 'table',
        },
      ],
      transformations: [sortBy('Time')],
      options: barChart('Target_Tag'),
    })
    .panel(functionsTable(TFA, tfaFunctions('tfa_tag'), 'TF-A functions at $tfa_tag'))
    .panel(functionsTable(TFA, tfaFunctions('tfa_tag2'), 'TF-A functions at $tfa_tag2'));

  const tfmFunctions = (v: string) =>
    `SELECT "Location", "Function", "Score", "Threshold", "Whitelisted" FROM "TFM_Complexity_Statistics" WHERE "Target_Tag" = '$${v}' AND $timeFilter`;
  d.row('TF-M complexity')
    .panel({
      type: 'barchart',
      title: 'TF-M: functions over the threshold per release',
      description: 'TF-M sends no tracking points: this counts the functions whose score exceeds their threshold, whitelisted or not, ordered by tag date.',
      database: TFM,
      width: 24,
      height: 8,
      queries: [
        {
          query: `SELECT count("Score") AS "Functions over threshold" FROM "TFM_Complexity_Statistics" WHERE "Score" > "Threshold" AND $timeFilter GROUP BY "Target_Tag", "Git_Tag_Date"`,
          format: 'table',
        },
      ],
      transformations: [sortBy('Git_Tag_Date'), { id: 'organize', options: { excludeByName: { Time: true, Git_Tag_Date: true } } }],
      options: barChart('Target_Tag'),
    })
    .panel(functionsTable(TFM, tfmFunctions('tfm_tag'), 'TF-M functions at $tfm_tag'))
    .panel(functionsTable(TFM, tfmFunctions('tfm_tag2'), 'TF-M functions at $tfm_tag2'));
  return d.build();
}
