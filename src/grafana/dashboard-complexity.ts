// Complexity: functions over the threshold per release, and the functions of two chosen tags side
// by side, with the functions new or resolved between them marked.
import { barChart, DashboardBuilder, sortBy, type JsonObject, type PanelSpec } from './model.js';
import { ident } from '../influx/influxql.js';

const TFA = 'TFA_Complexity';
const TFM = 'TFM_Complexity';

/** Column names of the comparison table; the transformations below refer to them. */
export const COMPARE = {
  location: 'Location',
  function: 'Function',
  /** Per side: score, threshold, whitelisted, and a presence marker (1 for A, 2 for B). */
  a: { score: 'Score A', threshold: 'Threshold A', whitelisted: 'Whitelisted A', present: 'in A' },
  b: { score: 'Score B', threshold: 'Threshold B', whitelisted: 'Whitelisted B', present: 'in B' },
  status: 'Status',
} as const;

/** Values of the status column: the sum of the presence markers of a row. */
export const STATUS = { resolved: 1, new: 2, both: 3 } as const;

interface ComplexitySource {
  database: string;
  measurement: string;
  /** The field or tag holding the file of a function. */
  location: string;
  /** The field holding the function name. */
  function: string;
}

/**
 * One side of the comparison: the functions over their threshold at the tag in `variable`.
 * The presence marker is a constant computed from a field every point has (InfluxQL has no
 * literal columns): 1 on side A, 2 on side B, so their sum per row tells where a function is.
 * No `$timeFilter`: the chosen tag decides which points count, whatever the time range, so that
 * a tag older than the range does not make every function of the other tag look new.
 */
function sideQuery(src: ComplexitySource, variable: string, side: 'a' | 'b'): string {
  const c = COMPARE[side];
  const marker = side === 'a' ? STATUS.resolved : STATUS.new;
  const as = (name: string, alias: string) => (name === alias ? ident(name) : `${ident(name)} AS ${ident(alias)}`);
  return (
    `SELECT ${as(src.location, COMPARE.location)}, ${as(src.function, COMPARE.function)}, ` +
    `"Score" AS ${ident(c.score)}, "Threshold" AS ${ident(c.threshold)}, "Whitelisted" AS ${ident(c.whitelisted)}, ` +
    `"Score" * 0 + ${marker} AS ${ident(c.present)} ` +
    `FROM ${ident(src.measurement)} WHERE "Target_Tag" = '$${variable}' AND "Score" > "Threshold"`
  );
}

const byName = (name: string) => ({ id: 'byName', options: name });

/**
 * The table of the functions over the threshold at two tags, side by side. Grafana builds it with
 * core transformations only:
 * 1. `organize` drops the time of each query, so that rows of the two tags can meet;
 * 2. `merge` joins the two tables on the fields they share (location and function: a function
 *    name alone is not unique across files), outer-join style: a function of one tag only keeps
 *    empty cells for the other;
 * 3. `calculateField` (reduce row, sum) adds the presence markers into the status: 1 only at the
 *    first tag (RESOLVED), 2 only at the second (NEW), 3 at both;
 * 4. `organize` hides the markers and orders the columns; `sortBy` puts the changed functions
 *    (RESOLVED, then NEW) before those at both tags;
 * 5. value mappings turn the status into RESOLVED / NEW / in both, in colour; field overrides name
 *    the columns after the chosen tags.
 */
function comparisonTable(src: ComplexitySource, tag: string, tag2: string, title: string): PanelSpec {
  const { a, b } = COMPARE;
  const header = (name: string, text: string) => ({ matcher: byName(name), properties: [{ id: 'displayName', value: text }] });
  return {
    type: 'table',
    title,
    description:
      `Functions over their complexity threshold at $${tag} and at $${tag2}, whatever the time range. ` +
      `NEW: over the threshold at $${tag2} but not at $${tag} (added, or grown over it). ` +
      `RESOLVED: over the threshold at $${tag} but not at $${tag2} (removed, simplified, or renamed).`,
    database: src.database,
    width: 24,
    height: 12,
    queries: [
      { query: sideQuery(src, tag, 'a'), format: 'table' },
      { query: sideQuery(src, tag2, 'b'), format: 'table' },
    ],
    transformations: [
      { id: 'organize', options: { excludeByName: { Time: true }, indexByName: {}, renameByName: {} } },
      { id: 'merge', options: {} },
      {
        id: 'calculateField',
        options: {
          mode: 'reduceRow',
          reduce: { include: [a.present, b.present], reducer: 'sum', nullValueMode: 'null as zero' },
          alias: COMPARE.status,
          replaceFields: false,
        },
      },
      {
        id: 'organize',
        options: {
          excludeByName: { [a.present]: true, [b.present]: true },
          indexByName: {
            [COMPARE.status]: 0,
            [COMPARE.location]: 1,
            [COMPARE.function]: 2,
            [a.score]: 3,
            [b.score]: 4,
            [a.threshold]: 5,
            [b.threshold]: 6,
            [a.whitelisted]: 7,
            [b.whitelisted]: 8,
          },
          renameByName: {},
        },
      },
      { id: 'sortBy', options: { fields: {}, sort: [{ field: COMPARE.status, desc: false }, { field: b.score, desc: true }] } },
    ],
    fieldConfig: {
      defaults: {},
      overrides: [
        {
          matcher: byName(COMPARE.status),
          properties: [
            {
              id: 'mappings',
              value: [
                {
                  type: 'value',
                  options: {
                    [String(STATUS.new)]: { text: 'NEW', color: 'red', index: 0 },
                    [String(STATUS.resolved)]: { text: 'RESOLVED', color: 'green', index: 1 },
                    [String(STATUS.both)]: { text: 'in both', color: 'text', index: 2 },
                  },
                },
              ],
            },
            { id: 'custom.cellOptions', value: { type: 'color-text' } },
            { id: 'custom.width', value: 100 },
          ],
        },
        header(a.score, `Score at $${tag}`),
        header(b.score, `Score at $${tag2}`),
        header(a.threshold, `Threshold at $${tag}`),
        header(b.threshold, `Threshold at $${tag2}`),
        header(a.whitelisted, `Whitelisted at $${tag}`),
        header(b.whitelisted, `Whitelisted at $${tag2}`),
      ],
    },
    options: { showHeader: true, cellHeight: 'sm' },
  };
}

/** The complexity dashboard. */
export function complexityDashboard(): JsonObject {
  const d = new DashboardBuilder(
    'qmb-complexity',
    'Complexity',
    'Functions whose cyclomatic complexity exceeds the threshold, per release tag, and the functions of two tags compared.',
  );
  const tagVar = (name: string, label: string, database: string, measurement: string) =>
    d.variable({ name, label, database, query: `SHOW TAG VALUES FROM "${measurement}" WITH KEY = "Target_Tag"` });
  tagVar('tfa_tag', 'TF-A tag', TFA, 'TFA_Complexity_Statistics');
  tagVar('tfa_tag2', 'TF-A tag to compare', TFA, 'TFA_Complexity_Statistics');
  tagVar('tfm_tag', 'TF-M tag', TFM, 'TFM_Complexity_Statistics');
  tagVar('tfm_tag2', 'TF-M tag to compare', TFM, 'TFM_Complexity_Statistics');

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
    .panel(
      comparisonTable(
        { database: TFA, measurement: 'TFA_Complexity_Statistics', location: 'Location', function: 'Function_ID' },
        'tfa_tag',
        'tfa_tag2',
        'TF-A functions over the threshold: $tfa_tag compared with $tfa_tag2',
      ),
    );

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
    .panel(
      comparisonTable(
        { database: TFM, measurement: 'TFM_Complexity_Statistics', location: 'Location', function: 'Function' },
        'tfm_tag',
        'tfm_tag2',
        'TF-M functions over the threshold: $tfm_tag compared with $tfm_tag2',
      ),
    );
  return d.build();
}
