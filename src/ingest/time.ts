// The time shapes CI producers send, turned into nanoseconds since the epoch.
import { JsonNumber } from './json.js';

/** InfluxDB's representable range (1677-09-21 to 2262-04-11). */
export const MIN_TIME_NS = -9223372036854775806n;
export const MAX_TIME_NS = 9223372036854775806n;

// 2020-09-08, 2020-09-08T14:22:45Z, 2020-09-08T14:22:45.123+01:00, 2020-09-08 14:22:45 +0100 (git %ai)
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(Z|z|[+-]\d{2}:?\d{2})?)?$/;

/** Result of parsing: nanoseconds, or why the value is not a time. */
export type TimeResult = { ok: true; ns: bigint } | { ok: false; reason: string };

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function fromText(text: string): TimeResult {
  if (/^-?\d+$/.test(text)) return fromInteger(text);
  const m = DATE_TIME.exec(text.trim());
  if (!m) {
    return {
      ok: false,
      reason:
        'not a time: use RFC 3339 (2020-09-08T14:22:45Z), git %ai (2020-09-08 14:22:45 +0100), a date (2020-09-08) or integer nanoseconds',
    };
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s);
  // Also keeps Date.UTC away from years 0-99, which it would read as 1900-1999.
  if (year < 1677 || year > 2262) return inRange(year < 1677 ? MIN_TIME_NS - 1n : MAX_TIME_NS + 1n);
  if (month < 1 || month > 12) return { ok: false, reason: `month ${mo} is out of range` };
  if (day < 1 || day > daysInMonth(year, month)) return { ok: false, reason: `day ${d} is out of range for ${y}-${mo}` };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: `time of day ${h}:${mi}:${s} is out of range` };
  let offsetMinutes = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (!z) return { ok: false, reason: `offset ${zone} is not ±hh:mm` };
    const oh = Number(z[2]), om = Number(z[3]);
    if (oh > 23 || om > 59) return { ok: false, reason: `offset ${zone} is out of range` };
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  const ns = BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0') || '0');
  return inRange(ns);
}

function fromInteger(literal: string): TimeResult {
  return inRange(BigInt(literal));
}

function inRange(ns: bigint): TimeResult {
  if (ns < MIN_TIME_NS || ns > MAX_TIME_NS) {
    return { ok: false, reason: 'outside the range InfluxDB can store (1677-09-21 to 2262-04-11)' };
  }
  return { ok: true, ns };
}

/** Parses one `time` value of a payload item. Offsetless times are UTC. */
export function parseTime(value: unknown): TimeResult {
  if (value instanceof JsonNumber) {
    if (!value.isIntegerLiteral) return { ok: false, reason: 'a numeric time must be whole nanoseconds since the epoch' };
    return fromInteger(value.literal);
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return { ok: false, reason: 'a numeric time must be whole nanoseconds since the epoch' };
    return fromInteger(String(value));
  }
  if (typeof value === 'string') return fromText(value);
  return { ok: false, reason: 'must be a string or an integer' };
}
