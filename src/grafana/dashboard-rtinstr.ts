// Runtime instrumentation: PSCI latencies per cluster and CPU core across commits.
import { DashboardBuilder, pointsAndLines, type JsonObject } from './model.js';

/** The runtime instrumentation dashboard: the measurement is the instrumentation target. */
export function rtInstrDashboard(): JsonObject {
  const db = 'TFA_RTINSTR';
  const d = new DashboardBuilder(
    'qmb-rt-instrumentation',
    'Runtime instrumentation',
    'Latencies measured by the TF-A runtime instrumentation, per cluster and CPU core.',
  );
  const commits = `SHOW TAG VALUES FROM "$target" WITH KEY = "CommitID" WHERE "TC_Name" = '$testcase'`;
  d.variable({ name: 'target', label: 'Instrumentation target', database: db, query: 'SHOW MEASUREMENTS' })
    .variable({ name: 'testcase', label: 'Test case', database: db, query: 'SHOW TAG VALUES FROM "$target" WITH KEY = "TC_Name"' })
    .variable({
      name: 'latency',
      label: 'Latency kind',
      database: db,
      query: 'SHOW FIELD KEYS FROM "$target"',
      description: 'The PSCI version test case measures only Latency_EL3Entry_EL3Exit; the others measure the other three.',
    })
    .variable({ name: 'commit', label: 'Commit', database: db, query: commits })
    .variable({ name: 'commit2', label: 'Compare with commit', database: db, query: commits });
  const filter = `"TC_Name" = '$testcase'`;
  const maxPerCluster = (commitVar: string) =>
    `SELECT max("$latency") AS max FROM "$target" WHERE ${filter} AND "CommitID" = '$${commitVar}' AND $timeFilter GROUP BY "Cluster_ID"`;

  d.row('Across commits')
    .panel({
      type: 'timeseries',
      title: '$latency per cluster and core ($testcase)',
      database: db,
      width: 24,
      height: 10,
      queries: [
        {
          query: `SELECT "$latency" FROM "$target" WHERE ${filter} AND $timeFilter GROUP BY "Cluster_ID", "CPU_Core"`,
          alias: 'cluster $tag_Cluster_ID core $tag_CPU_Core',
        },
      ],
      fieldConfig: pointsAndLines(),
    });
  d.row('Two commits')
    .panel({
      type: 'table',
      title: 'Maximum $latency per cluster: $commit and $commit2',
      description: 'Largest latency over the cores of each cluster, for the two chosen commits side by side.',
      database: db,
      width: 12,
      height: 8,
      queries: [
        { query: maxPerCluster('commit'), format: 'table' },
        { query: maxPerCluster('commit2'), format: 'table' },
      ],
      transformations: [
        { id: 'joinByField', options: { byField: 'Cluster_ID', mode: 'outer' } },
        { id: 'organize', options: { excludeByName: { Time: true, 'Time 1': true, 'Time 2': true }, renameByName: { 'max 1': '$commit', 'max 2': '$commit2' } } },
      ],
    })
    .panel({
      type: 'table',
      title: 'Samples at $commit',
      database: db,
      width: 12,
      height: 8,
      queries: [
        {
          query: `SELECT "Cluster_ID", "CPU_Core", "$latency" FROM "$target" WHERE ${filter} AND "CommitID" = '$commit' AND $timeFilter`,
          format: 'table',
        },
      ],
      transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }],
    });
  return d.build();
}
