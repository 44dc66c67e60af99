// What the store already holds, as the acceptance checks ask it: shard length, field types, tag values.
import type { FieldType } from '../ingest/points.js';

/** Field types of one database: measurement → field → every type it has in some shard. */
export type FieldTypeSummary = Map<string, Map<string, FieldType[]>>;

/**
 * Questions about a database's current content, answered by InfluxDB (InfluxQL over `/query`) or
 * the embedded store (SQL). A missing database holds nothing. Failures reject; callers treat them
 * as "unknown".
 */
export interface StoreFacts {
  /** Length of the database's shard groups in ns (InfluxDB: its default retention policy's). */
  shardDuration(db: string): Promise<bigint>;
  /** Every field's types over all shards (`SHOW FIELD KEYS`: it does not say which shard). */
  fieldTypes(db: string): Promise<FieldTypeSummary>;
  /**
   * The type a field has in the one shard covering [start, end) ns, or undefined when no point
   * there has the field. `types` are the types the summary lists for it (at least one).
   */
  fieldTypeIn(db: string, measurement: string, field: string, start: bigint, end: bigint, types: FieldType[]): Promise<FieldType | undefined>;
  /** Distinct values of a tag key in a measurement (over all shards). */
  tagValueCount(db: string, measurement: string, key: string): Promise<number>;
  /** Which of `values` the measurement has for the tag key; every value it has when `values` is undefined. */
  tagValues(db: string, measurement: string, key: string, values?: string[]): Promise<Set<string>>;
}
