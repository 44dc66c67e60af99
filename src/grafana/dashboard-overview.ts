// Overview: the latest headline number of each metric family, and when data last arrived.
import { DashboardBuilder, type JsonObject } from './model.js';

interface Headline {
  title: string;
  database: string;
  /** Time series query whose last value is the headline. */
  query: string;
  /** A field every point of the database has, whose newest value tells when data last arrived; absent: take the newest whole point. */
  arrival?: string;
  /** FROM clause for the arrival query. */
  from: string;
}

const HEADLINES: Headline[] = [
  {
    title: 'TF-A lines of change',
    database: 'TFA_CodeChurn',
    query: 'SELECT "Lines_of_Change" FROM "TFA_CodeChurn_Tracking" WHERE $timeFilter',
    arrival: 'Lines_of_Change',
    from: '"TFA_CodeChurn_Tracking"',
  },
  {
    title: 'TF-M lines of change',
    database: 'TFM_CodeChurn',
    query: 'SELECT "Lines_of_Change" FROM "TFM_CodeChurn_Tracking" WHERE $timeFilter',
    arrival: 'Lines_of_Change',
    from: '"TFM_CodeChurn_Tracking"',
  },
  {
    title: 'TF-A functions over threshold',
    database: 'TFA_Complexity',
    query: 'SELECT "Functions_Exceeding_Threshold_Not_Whitelisted" FROM "TFA_Complexity_Tracking" WHERE $timeFilter',
    arrival: 'Threshold',
    from: '/.*/',
  },
  {
    title: 'TF-M functions over threshold',
    database: 'TFM_Complexity',
    query: 'SELECT count("Score") FROM "TFM_Complexity_Statistics" WHERE "Score" > "Threshold" AND $timeFilter GROUP BY time(1d) fill(none)',
    arrival: 'Score',
    from: '"TFM_Complexity_Statistics"',
  },
  {
    title: 'TF-A open defects',
    database: 'TFA_Defects',
    query: 'SELECT "Number_of_Defects" FROM "TFA_Defects_Tracking" WHERE "Issue_Status" =~ /(?i)^open$/ AND $timeFilter',
    arrival: 'Issue_Status',
    from: '/.*/',
  },
  {
    title: 'TF-M defects',
    database: 'TFM_Defects',
    query: 'SELECT count("Summary") FROM "TFM_Defects_Statistics" WHERE $timeFilter GROUP BY time(1d) fill(none)',
    arrival: 'Summary',
    from: '"TFM_Defects_Statistics"',
  },
  {
    title: 'MISRA defects per build config',
    database: 'TFA_MisraDefects',
    query: 'SELECT "TotalDefects" FROM /.*/ WHERE $timeFilter',
    arrival: 'TotalDefects',
    from: '/.*/',
  },
  {
    title: 'TF-A BL31 text size per build config',
    database: 'TFA_ImageSize',
    query: 'SELECT "BL31_T" FROM /.*/ WHERE $timeFilter',
    from: '/.*/',
  },
  {
    title: 'TF-M text size per file',
    database: 'TFM_ImageSize',
    query: 'SELECT /_t$/ FROM "TFM_ImageSize_Statistics" WHERE $timeFilter',
    from: '"TFM_ImageSize_Statistics"',
  },
  {
    title: 'Worst latency per target',
    database: 'TFA_RTINSTR',
    query: 'SELECT max(/^Latency_/) FROM /.*/ WHERE $timeFilter GROUP BY time(1d) fill(none)',
    from: '/.*/',
  },
];

/** The overview dashboard: Grafana's home for the quality metrics. */
export function overviewDashboard(): JsonObject {
  const d = new DashboardBuilder(
    'qmb-overview',
    'Quality metrics overview',
    'Latest value of each metric family, and when each database last received data.',
  );
  d.row('Latest values');
  for (const h of HEADLINES) {
    d.panel({
      type: 'stat',
      title: h.title,
      database: h.database,
      width: 6,
      height: 5,
      queries: [{ query: h.query, alias: '$measurement $col' }],
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        graphMode: 'area',
        textMode: 'value_and_name',
        colorMode: 'none',
        justifyMode: 'auto',
      },
    });
  }
  d.row('When data last arrived');
  for (const h of HEADLINES) {
    d.panel({
      type: 'table',
      title: h.database,
      description: 'Time of the newest point in this database (within the time range).',
      database: h.database,
      width: 6,
      height: 4,
      // A tag cannot be an aggregate's argument, so the newest point is found through a field
      // that every point has, or, where fields vary by build, as the newest whole point.
      queries: [
        {
          query: h.arrival
            ? `SELECT last("${h.arrival}") AS latest FROM ${h.from} WHERE $timeFilter`
            : `SELECT * FROM ${h.from} WHERE $timeFilter ORDER BY time DESC LIMIT 1`,
          format: 'table',
        },
      ],
      transformations: [{ id: 'sortBy', options: { sort: [{ field: 'Time', desc: true }] } }, { id: 'limit', options: { limitField: 1 } }],
      fieldConfig: { defaults: {}, overrides: [{ matcher: { id: 'byName', options: 'latest' }, properties: [{ id: 'custom.hidden', value: true }] }] },
    });
  }
  d.row('Submissions').panel({
    type: 'text',
    title: 'Recent rejected submissions: not in Grafana, see the broker',
    description: 'Rejected submissions are kept in the broker, not in InfluxDB, so no Grafana panel can list them.',
    width: 24,
    height: 8,
    options: {
      mode: 'markdown',
      content: [
        '**Grafana cannot show rejected submissions.** A payload that InfluxDB refused never reached InfluxDB:',
        "the broker keeps it in its own journal, which this Grafana does not read. To see the recent ones, use the broker:",
        '',
        "- its built-in dashboard, page *Overview*, table *Recent rejected submissions*: `http://BROKER:5000/dashboard`",
        '  (the broker address, port 5000 in the compose stack);',
        '- or the command line, then replay one once the cause is fixed:',
        '',
        '```',
        'qmb submissions list --status rejected',
        'qmb submissions retry ID',
        '```',
        '',
        "The broker's read API lists them too (`GET /api/v1/submissions?status=rejected`), and its `/metrics` endpoint counts them",
        '(`qmb_rejected_submissions_total`).',
      ].join('\n'),
    },
  });
  return d.build();
}
