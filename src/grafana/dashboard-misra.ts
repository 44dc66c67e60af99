// MISRA defects: totals and the mandatory/required/advisory split across commits.
import { barsPerField, DashboardBuilder, pointsAndLines, type JsonObject } from './model.js';

const FIELDS = ['TotalDefects', 'MandatoryDefects', 'RequiredDefects', 'AdvisoryDefects'] as const;

/** The MISRA defects dashboard: the measurement is the build configuration. */
export function misraDashboard(): JsonObject {
  const db = 'TFA_MisraDefects';
  const d = new DashboardBuilder('qmb-misra-defects', 'MISRA defects', 'MISRA C defects reported by static analysis, per build configuration.');
  const commits = `SHOW TAG VALUES FROM "$config" WITH KEY = "CommitID" WHERE "BinMode" = '$binmode'`;
  d.variable({ name: 'config', label: 'Build config', database: db, query: 'SHOW MEASUREMENTS' })
    .variable({ name: 'binmode', label: 'Bin mode', database: db, query: 'SHOW TAG VALUES FROM "$config" WITH KEY = "BinMode"' })
    .variable({ name: 'commit', label: 'Commit', database: db, query: commits })
    .variable({ name: 'commit2', label: 'Compare with commit', database: db, query: commits });
  const filter = `"BinMode" = '$binmode'`;
  const list = FIELDS.map((f) => `"${f}"`).join(', ');

  d.row('Across commits')
    .panel({
      type: 'timeseries',
      title: 'Defects across commits ($config, $binmode)',
      database: db,
      width: 16,
      height: 10,
      queries: [{ query: `SELECT ${list} FROM "$config" WHERE ${filter} AND $timeFilter`, alias: '$col' }],
      fieldConfig: pointsAndLines(),
    })
    .panel({
      type: 'stat',
      title: 'Latest',
      database: db,
      width: 8,
      height: 10,
      queries: [{ query: `SELECT ${list} FROM "$config" WHERE ${filter} AND $timeFilter`, alias: '$col' }],
      options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, graphMode: 'area', textMode: 'value_and_name', colorMode: 'none' },
    })
    .panel({
      type: 'table',
      title: 'Commits',
      database: db,
      width: 24,
      height: 8,
      queries: [{ query: `SELECT "CommitID", "CommitTitle", ${list} FROM "$config" WHERE ${filter} AND $timeFilter`, format: 'table' }],
      transformations: [{ id: 'sortBy', options: { sort: [{ field: 'Time', desc: true }] } }],
    });
  d.row('Two commits')
    .panel({
      type: 'bargauge',
      title: 'Defects at $commit',
      database: db,
      width: 12,
      height: 8,
      queries: [{ query: `SELECT ${list} FROM "$config" WHERE ${filter} AND "CommitID" = '$commit' AND $timeFilter` }],
      options: barsPerField(),
    })
    .panel({
      type: 'bargauge',
      title: 'Change between $commit and $commit2',
      description: 'Newer minus older of the two chosen commits; negative means fewer defects.',
      database: db,
      width: 12,
      height: 8,
      queries: [
        {
          query: `SELECT ${FIELDS.map((f) => `difference("${f}") AS ${f}`).join(', ')} FROM "$config" WHERE ${filter} AND ("CommitID" = '$commit' OR "CommitID" = '$commit2') AND $timeFilter`,
        },
      ],
      options: barsPerField(),
    });
  return d.build();
}
