// InfluxQL building blocks shared by the dashboards.
import { ident } from '../influx/influxql.js';

/**
 * The sum of several fields of each point, ignoring the fields a point lacks.
 *
 * InfluxQL arithmetic between fields (`"a" + "b"`) gives null as soon as one of them is absent,
 * and image sizes often lack a section (an image without weak objects has no `_V` field). So each
 * field is read by its own subquery under one name, and the outer query sums whatever is there
 * per timestamp (one point per commit, so one-second buckets never merge two commits).
 */
export function sumOfFields(measurement: string, fields: readonly string[], where: string, alias?: string): string {
  const parts = fields.map((f) => `(SELECT ${ident(f)} AS v FROM ${ident(measurement)} WHERE ${where} AND $timeFilter)`);
  return `SELECT sum(v)${alias ? ` AS ${alias}` : ''} FROM ${parts.join(', ')} WHERE $timeFilter GROUP BY time(1s) fill(none)`;
}

/**
 * The change of the sum of several fields between the points that `where` selects (two commits):
 * the later total minus the earlier one, as one value. Missing fields count as zero, as in
 * {@link sumOfFields}; no value when `where` selects fewer than two points.
 */
export function differenceOfSum(measurement: string, fields: readonly string[], where: string): string {
  return `SELECT difference(total) FROM (${sumOfFields(measurement, fields, where, 'total')}) WHERE $timeFilter`;
}

/** `"key" = '$variable'` for each pair, joined with AND. */
export function tagsEqual(pairs: Record<string, string>): string {
  return Object.entries(pairs)
    .map(([key, variable]) => `${ident(key)} = '$${variable}'`)
    .join(' AND ');
}
