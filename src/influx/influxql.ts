// InfluxQL text from untrusted names and values: quoted identifiers, quoted literals, never regexes.
import type { TagFilter } from '../read/read-store.js';

/** A double-quoted identifier (measurement, tag key, field key) with quotes and backslashes escaped. */
export function ident(name: string): string {
  return `"${name.replace(/["\\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/** A single-quoted string literal with quotes and backslashes escaped. */
export function literal(value: string): string {
  return `'${value.replace(/['\\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}'`;
}

/** `("K" = 'a' OR "K" = 'b') AND ...`; an empty string matches series without the tag, as in InfluxDB. */
export function tagConditions(where: TagFilter): string[] {
  return Object.entries(where)
    .filter(([, values]) => values.length > 0)
    .map(([key, values]) => `(${values.map((v) => `${ident(key)} = ${literal(v)}`).join(' OR ')})`);
}

/** WHERE clause for a time range (ns) plus tag conditions. */
export function whereClause(from: bigint, to: bigint, where: TagFilter): string {
  return ` WHERE ${[`time >= ${from}`, `time < ${to}`, ...tagConditions(where)].join(' AND ')}`;
}
