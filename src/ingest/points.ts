// Points as the stores see them, and the checks that keep them representable in line protocol.
import type { ErrorDetail } from '../errors.js';
import { JsonNumber, type LosslessValue, describeKind } from './json.js';

export type FieldValue =
  | { kind: 'integer'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean };

export type FieldType = FieldValue['kind'];

/** One point: tags sorted by key, empty tags already dropped, time in nanoseconds. */
export interface Point {
  measurement: string;
  tags: [string, string][];
  fields: [string, FieldValue][];
  time: bigint;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** InfluxDB 1.x refuses string field values above 64 KiB. */
export const MAX_STRING_FIELD_BYTES = 65535;

export type NameKind = 'measurement' | 'tag key' | 'tag value' | 'field key';

// Characters each element escapes in line protocol; a backslash right before one of them (or at the
// end) would be read back as an escape, so such text cannot be stored unchanged.
const SPECIAL: Record<NameKind, string> = {
  measurement: ', ',
  'tag key': ',= ',
  'tag value': ',= ',
  'field key': ',= ',
};

const SUSPECT = /[\u0000-\u001f\u007f\\]/;
// InfluxDB skips tabs and NULs at the start of a line and of the field section, so names with
// control characters would be stored as something else, or not at all.
const CONTROL = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/;

/** Why a name or tag value cannot be written to InfluxDB unchanged, or undefined when it can. */
export function nameProblem(kind: NameKind, text: string): string | undefined {
  // Fast path: the common name has no newline, backslash, leading '#' and is not "time".
  if (text.length > 0 && !SUSPECT.test(text) && text !== 'time' && text.charCodeAt(0) !== 35) return undefined;
  if (text.length === 0) return `${kind} must not be empty`;
  if (/[\n\r]/.test(text)) return `${kind} contains a newline, which line protocol cannot carry`;
  const control = CONTROL.exec(text);
  if (control) {
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return `${kind} contains the control character ${code}, which InfluxDB does not store unchanged`;
  }
  if (text.endsWith('\\')) return `${kind} ends with a backslash, which line protocol cannot carry`;
  const special = SPECIAL[kind];
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] === '\\' && special.includes(text[i + 1] as string)) {
      return `${kind} has a backslash before "${text[i + 1]}", which line protocol cannot carry`;
    }
  }
  if (kind === 'measurement' && text.startsWith('#')) return 'measurement must not start with "#" (a comment in line protocol)';
  if ((kind === 'tag key' || kind === 'field key') && text === 'time') return `"time" cannot be a ${kind} in InfluxDB`;
  return undefined;
}

/**
 * Why a value cannot be stored. The helpers below return one instead of a problem with a path, so
 * a converter builds a value's JSON Pointer only when there is something to report.
 */
export class Refusal {
  readonly problem: string;
  constructor(problem: string) {
    this.problem = problem;
  }
}

/** Collects problems while converting one payload, each with its JSON Pointer. */
export class Problems {
  readonly list: ErrorDetail[] = [];
  add(path: string, message: string): void {
    if (this.list.length < 1000) this.list.push({ path, message });
  }
  get empty(): boolean {
    return this.list.length === 0;
  }
}

/** Escapes one JSON Pointer segment. */
export function pointerSegment(key: string | number): string {
  if (typeof key === 'number' || (!key.includes('~') && !key.includes('/'))) return String(key);
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Turns one JSON field value into a typed field (undefined for null), or says why it cannot be one.
 * The literal decides integer or float unless the metric pins the field's type.
 */
export function toFieldValue(value: LosslessValue, pinned: FieldType | undefined): FieldValue | Refusal | undefined {
  if (value === null) return undefined;
  if (value instanceof JsonNumber) {
    const wantInteger = pinned === 'integer' || (pinned === undefined && value.isIntegerLiteral);
    if (pinned === 'string' || pinned === 'boolean') return new Refusal(`must be a ${pinned} (pinned type), got a number`);
    if (wantInteger) {
      let n: bigint;
      if (value.isIntegerLiteral) n = BigInt(value.literal);
      else {
        const f = value.value;
        if (!Number.isInteger(f)) return new Refusal(`${value.literal} is not a whole number; this field is pinned to integer`);
        n = BigInt(f);
      }
      if (n < INT64_MIN || n > INT64_MAX) return new Refusal(`integer ${value.literal} is outside InfluxDB's 64-bit integer range`);
      return { kind: 'integer', value: n };
    }
    const f = value.value;
    if (!Number.isFinite(f)) return new Refusal(`number ${value.literal} is too large for a 64-bit float`);
    return { kind: 'float', value: f };
  }
  if (typeof value === 'string') {
    if (pinned !== undefined && pinned !== 'string') return new Refusal(`must be ${pinned === 'boolean' ? 'a boolean' : 'a number'} (pinned type ${pinned}), got a string`);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only long strings need counting.
    if (value.length * 3 > MAX_STRING_FIELD_BYTES && Buffer.byteLength(value) > MAX_STRING_FIELD_BYTES) return new Refusal(`string is longer than InfluxDB's limit of ${MAX_STRING_FIELD_BYTES} bytes`);
    return { kind: 'string', value };
  }
  if (typeof value === 'boolean') {
    if (pinned !== undefined && pinned !== 'boolean') return new Refusal(`must be ${pinned === 'string' ? 'a string' : 'a number'} (pinned type ${pinned}), got a boolean`);
    return { kind: 'boolean', value };
  }
  return new Refusal(`field values must be numbers, strings or booleans, got ${describeKind(value)}`);
}

/** Turns one JSON tag value into its stored string (numbers keep their literal; undefined for null and ""), or says why it cannot be one. */
export function toTagValue(value: LosslessValue): string | Refusal | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value instanceof JsonNumber) text = value.literal;
  else if (typeof value === 'boolean') text = String(value);
  else if (value === null) return undefined;
  else return new Refusal(`tag values must be strings, numbers or booleans, got ${describeKind(value)}`);
  if (text === '') return undefined;
  const problem = nameProblem('tag value', text);
  return problem ? new Refusal(problem) : text;
}
