// JSON parsing that keeps each number's literal, since `5` and `5.0` must stay integer and float.
import { parse } from 'lossless-json';
import { InvalidJsonError } from '../errors.js';

/** A number as it was written in the request body. */
export class JsonNumber {
  readonly literal: string;
  constructor(literal: string) {
    this.literal = literal;
  }
  /** True for literals without fraction or exponent (`5`, `-12`), which InfluxDB stores as integers. */
  get isIntegerLiteral(): boolean {
    return !/[.eE]/.test(this.literal);
  }
  get value(): number {
    return Number(this.literal);
  }
  toJSON(): number {
    return this.value;
  }
}

/** A parsed body: numbers are JsonNumber, everything else as JSON.parse gives it. */
export type LosslessValue = null | boolean | string | JsonNumber | LosslessValue[] | { [key: string]: LosslessValue };

const toJsonNumber = (literal: string): JsonNumber => new JsonNumber(literal);

/** Parses a request body, keeping number literals. Throws InvalidJsonError with the position. */
export function parseLossless(text: string): LosslessValue {
  try {
    return parse(text, null, toJsonNumber) as LosslessValue;
  } catch (err) {
    throw new InvalidJsonError((err as Error).message);
  }
}

/** The same value with plain JS numbers, for schema validation. */
export function toPlain(value: LosslessValue): unknown {
  if (value instanceof JsonNumber) return value.value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = toPlain(value[key] as LosslessValue);
    return out;
  }
  return value;
}

/** Describes a JSON value's kind for error messages ("an array", "a string", "null"). */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof JsonNumber) return 'a number';
  return `a ${typeof value}`;
}
