// Points of one payload with the same series and time are one point in the store: merge them as InfluxDB does.
import { formatSeries } from './line-protocol.js';
import type { FieldValue, Point } from './points.js';

/** How many indexes of repeating items an answer lists. */
export const DUPLICATE_ITEMS_LISTED = 10;

/** Points as they will be stored, and what was merged to get them. */
export interface MergedPoints {
  /** One point per series and time, in the order each first appeared. */
  points: Point[];
  /** Each point's series in line protocol (formatSeries), for formatPoint. */
  series: string[];
  /** Points that repeated the series and time of an earlier one of the payload. */
  duplicates: number;
  /** The indexes (into the converted points, which are the payload's `data` items) of the first repeats. */
  duplicateItems: number[];
}

/**
 * Merges the points of one payload that share measurement, tags and time, as InfluxDB does with
 * them: the fields are united and, for a field given more than once, the later value wins. The
 * answer and the journal then count the points that are really stored.
 */
export function mergeDuplicates(points: Point[]): MergedPoints {
  const series = points.map((p) => formatSeries(p));
  if (points.length < 2) return { points, series, duplicates: 0, duplicateItems: [] };
  // The escaped series is one text per series (names cannot end in or escape with a backslash):
  // with the time it keys a stored point.
  const first = new Map<string, number>();
  const out: Point[] = [];
  const outSeries: string[] = [];
  let duplicates = 0;
  const duplicateItems: number[] = [];
  points.forEach((p, i) => {
    const key = `${series[i]} ${p.time}`;
    const at = first.get(key);
    if (at === undefined) {
      first.set(key, out.length);
      out.push(p);
      outSeries.push(series[i] as string);
      return;
    }
    duplicates++;
    if (duplicateItems.length < DUPLICATE_ITEMS_LISTED) duplicateItems.push(i);
    const earlier = out[at] as Point;
    const fields = new Map<string, FieldValue>(earlier.fields);
    for (const [k, v] of p.fields) fields.set(k, v);
    out[at] = { ...earlier, fields: [...fields] };
  });
  return duplicates === 0 ? { points, series, duplicates, duplicateItems } : { points: out, series: outSeries, duplicates, duplicateItems };
}

/**
 * The note `qmb validate` and `qmb push` print after the point count:
 * ` duplicates=36 (items 1, 3, ... repeat ...)`, or nothing when there were none.
 */
export function duplicatesNote(duplicates: number, items: readonly number[]): string {
  if (duplicates <= 0) return '';
  const listed = items.length > 0 ? `items ${items.join(', ')}${duplicates > items.length ? ', ...' : ''}` : `${duplicates} items`;
  return ` duplicates=${duplicates} (${listed} repeat the series and time of an earlier item: stored once, later values win)`;
}
