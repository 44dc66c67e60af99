// The envelope every producer verb emits, and its one serialised form.

import type { DataItem, PointsPayload as Payload } from '../contract/payload.js';

// One envelope type for producers, ingest and the OpenAPI document: derived from its schema.
export type { DataItem, PointsPayload as Payload, Scalar } from '../contract/payload.js';

/** The only API version the producers speak today. */
export const API_VERSION = '1.0';

/** Wraps data items of one metric into an envelope. */
export function makePayload(metric: string, data: DataItem[]): Payload {
  return { api_version: API_VERSION, metadata: { metrics: metric }, data };
}

/**
 * Serialises a payload to one line of JSON (no trailing newline).
 * One line per payload lets verbs that emit several payloads write JSON Lines, while a
 * single payload stays a plain JSON file. Every number a producer builds is a safe integer
 * (checked where it is parsed), so JSON.stringify writes integer literals and the broker
 * stores integers.
 */
export function serializePayload(payload: Payload): string {
  return JSON.stringify(payload);
}

/**
 * Parses a decimal count from producer input; rejects anything JSON would not keep exact.
 * Returns undefined when the text is not a plain non-negative integer.
 */
export function parseCount(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
