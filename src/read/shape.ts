// Shared shaping of results, so both stores answer byte-identical JSON: ordering, ties, limits.
import type { FieldJson, RowsAnswer, RowsQuery, SeriesAnswer, SeriesGroup, SeriesQuery } from './read-store.js';

/** Distinct strings in code-unit order (InfluxDB sorts its SHOW answers the same way for ASCII names). */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A row while it is being collected: exact time, then the field cells. */
export interface RawRow {
  time: bigint;
  cells: FieldJson[];
}

function compareRows(a: { time: bigint; key: string }, b: { time: bigint; key: string }): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Sorts by time (ties by content, so the order never depends on the store), applies order and limit.
 * The stores hand over every point up to the cut, and at least one beyond it when there is one, so
 * `truncated` is the same on both.
 */
function arrange<T extends { time: bigint; key: string }>(items: T[], order: 'asc' | 'desc', limit: number | undefined): { items: T[]; truncated: boolean } {
  items.sort(compareRows);
  if (order === 'desc') items.reverse();
  return limit !== undefined && items.length > limit ? { items: items.slice(0, limit), truncated: true } : { items, truncated: false };
}

/** Builds the answer of a series query from rows collected per group value (undefined: not grouped). */
export function finishSeries(groups: Map<string | undefined, RawRow[]>, query: SeriesQuery): SeriesAnswer {
  const columns = ['time', ...query.fields];
  const keys = [...groups.keys()].sort((a, b) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0));
  const out: SeriesGroup[] = [];
  let truncated = false;
  for (const key of keys) {
    const rows = groups.get(key) ?? [];
    if (rows.length === 0) continue;
    const keyed = rows.map((r) => ({ time: r.time, key: JSON.stringify(r.cells), cells: r.cells }));
    const { items: arranged, truncated: cut } = arrange(keyed, query.order, query.limit);
    truncated ||= cut;
    out.push({
      tags: query.groupBy === undefined ? {} : { [query.groupBy]: key ?? '' },
      columns,
      values: arranged.map((r) => [r.time.toString(), ...r.cells]),
    });
  }
  return { series: out, truncated };
}

/** Row values of the selected fields; undefined when the point has none of them. */
export function pickCells(fields: Record<string, unknown>, names: string[]): FieldJson[] | undefined {
  let any = false;
  const cells = names.map((n) => {
    const v = fields[n];
    if (v === undefined || v === null) return null;
    any = true;
    return toFieldJson(v);
  });
  return any ? cells : undefined;
}

/** Plain JSON value of a stored field: bigint becomes a number. */
export function toFieldJson(v: unknown): FieldJson {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return null;
}

export interface RawTableRow {
  time: bigint;
  tags: Record<string, string>;
  fields: Record<string, FieldJson>;
}

/** Sorted keys, so two stores produce the same JSON text. */
function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function finishRows(rows: RawTableRow[], query: RowsQuery): RowsAnswer {
  const keyed = rows.map((r) => {
    const tags = sortKeys(r.tags);
    const fields = sortKeys(r.fields);
    return { time: r.time, key: JSON.stringify([tags, fields]), tags, fields };
  });
  const { items, truncated } = arrange(keyed, query.order, query.limit);
  return { rows: items.map((r) => ({ time: r.time.toString(), tags: r.tags, fields: r.fields })), truncated };
}
