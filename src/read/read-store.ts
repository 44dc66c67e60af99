// The read side's contract: one interface, answered alike by InfluxDB and by the embedded store.
import type { Static } from '@sinclair/typebox';
import type { Aggregate, FieldJsonSchema, FieldKeySchema, RowSchema, SeriesGroupSchema } from '../contract/read.js';

// The answers' shapes come from the schemas of the read routes (src/contract/read.ts).
export { AGGREGATES, type Aggregate } from '../contract/read.js';

/** A field value as the read API answers it; integers above 2^53 lose precision, as in any JSON client. */
export type FieldJson = Static<typeof FieldJsonSchema>;

/** Tag filters: values of one key are alternatives (OR), different keys must all match (AND). The empty string matches series without that tag. */
export type TagFilter = Record<string, string[]>;

export type FieldKey = Static<typeof FieldKeySchema>;

export interface SeriesQuery {
  measurement: string;
  fields: string[];
  /** Nanoseconds since the epoch, inclusive. */
  from: bigint;
  /** Nanoseconds since the epoch, exclusive. */
  to: bigint;
  where: TagFilter;
  groupBy?: string | undefined;
  /** With an aggregate, points are summarised per bucket of `intervalSeconds`, aligned to the epoch. */
  aggregate?: Aggregate | undefined;
  intervalSeconds?: number | undefined;
  order: 'asc' | 'desc';
  /** Per series group; undefined: every point (the HTTP routes always pass one, see DEFAULTS.limit). */
  limit?: number | undefined;
}

/** One line of a chart: the tag value it is grouped by, and `[time, field1, field2, ...]` rows (time in nanoseconds, a decimal string). */
export type SeriesGroup = Static<typeof SeriesGroupSchema>;

export interface RowsQuery {
  measurement: string;
  /** Which fields to return; undefined means all. */
  fields?: string[] | undefined;
  from: bigint;
  to: bigint;
  where: TagFilter;
  order: 'asc' | 'desc';
  /** In all; undefined: every point (the HTTP routes always pass one, see DEFAULTS.limit). */
  limit?: number | undefined;
}

export interface PointRowsQuery {
  /** One query reads them all. */
  measurements: string[];
  /** Nanoseconds since the epoch, inclusive. */
  from: bigint;
  /** Nanoseconds since the epoch, exclusive. */
  to: bigint;
  where: TagFilter;
  /** The tags each row carries; other tags are not read. */
  tags: string[];
}

/** One point for a table: its time, every tag, the chosen fields it has. */
export type Row = Static<typeof RowSchema>;

/** A row of a bulk read, with its measurement. */
export interface PointRow extends Row {
  measurement: string;
}

/** An answer cut by the limit says so: `truncated` is true when more points matched than were returned. */
export interface SeriesAnswer {
  series: SeriesGroup[];
  /** Some series group had more than `limit` rows. */
  truncated: boolean;
}

export interface RowsAnswer {
  rows: Row[];
  /** More than `limit` points matched. */
  truncated: boolean;
}

export interface ReadStore {
  readonly kind: 'influxdb' | 'embedded';
  databases(): Promise<string[]>;
  /** Throws NotFoundError when the database does not exist. */
  measurements(db: string): Promise<string[]>;
  tagKeys(db: string, measurement?: string): Promise<string[]>;
  tagValues(db: string, key: string, options?: { measurement?: string | undefined; where?: TagFilter }): Promise<string[]>;
  fieldKeys(db: string, measurement?: string): Promise<FieldKey[]>;
  /**
   * Points of some fields; raw, or aggregated per bucket. Groups sorted by tag value, rows by time;
   * says whether the limit cut the answer.
   */
  seriesAnswer(db: string, query: SeriesQuery): Promise<SeriesAnswer>;
  /** Table rows of the chosen fields (all by default), saying whether the limit cut the answer. */
  rowsAnswer(db: string, query: RowsQuery): Promise<RowsAnswer>;
  /**
   * Every matching point with all its fields and only the named tags, in no particular order and
   * without a limit: a bulk read (a check's baseline), cheaper than rows on InfluxDB because the
   * points of many series come back as one table. A missing database or measurement gives [].
   * Times are exact to the microsecond on InfluxDB (it answers them so, to be parsed fast), to the
   * nanosecond on the embedded store.
   */
  pointRows(db: string, query: PointRowsQuery): Promise<PointRow[]>;
  close(): Promise<void>;
}
