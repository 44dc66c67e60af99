// JSON parsing that keeps each number's literal, since `5` and `5.0` must stay integer and float.
import { parse } from 'lossless-json';
import { InvalidJsonError, JsonTooDeepError } from '../errors.js';
import { checkSurrogateEscapes, decodeUtf8 } from './encoding.js';

/**
 * How deep arrays and objects may nest in a request body. The deepest built-in payload nests 4
 * levels; the walks over a parsed body recurse, so a bound keeps any body from exhausting the stack.
 */
export const MAX_JSON_DEPTH = 64;

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

// A fast path for the common body: the engine's JSON.parse gives the plain tree, one scan of the
// text gives the number literals in document order, and the literals are put in place of the
// numbers only when the converter needs them. Whenever the walk order could differ from the text's
// order (keys that look like array indexes, which engines enumerate first; duplicate keys) the
// body is parsed again by lossless-json, which also rejects duplicate keys.

/** Refuses nesting beyond MAX_JSON_DEPTH, at the character index `i` of `text`. */
function tooDeep(text: string, i: number): never {
  throw new JsonTooDeepError(MAX_JSON_DEPTH, Buffer.byteLength(text.slice(0, i)));
}

/**
 * Number literals and the count of object members, in document order; refuses nesting deeper than
 * MAX_JSON_DEPTH. Also reads text that is not JSON (to find deep nesting there) without looping.
 */
function scanLiterals(text: string): { literals: string[]; members: number } {
  const literals: string[] = [];
  let members = 0;
  let depth = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // a string: jump to its closing quote, skipping escaped quotes
      let j = i + 1;
      for (;;) {
        j = text.indexOf('"', j);
        if (j < 0) return { literals, members };
        let backslashes = 0;
        while (text.charCodeAt(j - 1 - backslashes) === 92) backslashes++;
        if (backslashes % 2 === 0) break;
        j++;
      }
      i = j + 1;
    } else if (c === 123 || c === 91) {
      if (++depth > MAX_JSON_DEPTH) tooDeep(text, i);
      i++;
    } else if (c === 125 || c === 93) {
      depth--;
      i++;
    } else if (c === 58) {
      members++;
      i++;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) j++;
        else break;
      }
      literals.push(text.slice(i, j));
      i = j;
    } else i++;
  }
  return { literals, members };
}

const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;

/** Walks the plain tree in enumeration order; with `replace`, puts JsonNumbers in place. False when the order is unsafe. */
function walkNumbers(root: unknown, literals: string[], replace: boolean): { ok: boolean; members: number; root: unknown } {
  let next = 0;
  let members = 0;
  const visit = (v: unknown): unknown => {
    if (typeof v === 'number') {
      const literal = literals[next++];
      if (literal === undefined || Number(literal) !== v) throw UNSAFE;
      return replace ? new JsonNumber(literal) : v;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const out = visit(v[i]);
        if (replace) v[i] = out;
      }
    } else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const key in o) {
        if (INDEX_KEY.test(key)) throw UNSAFE;
        members++;
        const out = visit(o[key]);
        if (replace && typeof o[key] === 'number') o[key] = out;
      }
    }
    return v;
  };
  let out: unknown;
  try {
    out = visit(root);
  } catch (err) {
    if (err === UNSAFE) return { ok: false, members, root };
    throw err;
  }
  return { ok: next === literals.length, members, root: out };
}

const UNSAFE = new Error('unsafe order');

/** A parsed request body: the plain tree for validation, the literal-keeping tree for conversion. */
export class JsonBody {
  readonly plain: unknown;
  #tree: LosslessValue | undefined;
  #literals: string[] | undefined;

  private constructor(plain: unknown, tree: LosslessValue | undefined, literals: string[] | undefined) {
    this.plain = plain;
    this.#tree = tree;
    this.#literals = literals;
  }

  /**
   * A body for a value taken out of a larger parsed body (a payload inside a check request), with
   * the number literals it was written with.
   */
  static fromLossless(tree: LosslessValue): JsonBody {
    return new JsonBody(toPlain(tree), tree, undefined);
  }

  /**
   * Parses a body's bytes: INVALID_ENCODING unless they are UTF-8, then as `parse`.
   */
  static parseBytes(bytes: Uint8Array): JsonBody {
    return JsonBody.parse(decodeUtf8(bytes));
  }

  /**
   * Parses a body; throws InvalidJsonError with the position of the problem, JsonTooDeepError for
   * nesting beyond MAX_JSON_DEPTH, InvalidEncodingError for a lone surrogate escape (`"\ud800"`).
   */
  static parse(text: string): JsonBody {
    let plain: unknown;
    try {
      // The engine's parser does not recurse, so any depth is safe here; the checks come after.
      plain = JSON.parse(text);
    } catch {
      scanLiterals(text); // deep nesting: refused before the recursive parser meets it
      const tree = parseLossless(text); // throws with the position of the problem
      checkSurrogateEscapes(text);
      return new JsonBody(toPlain(tree), tree, undefined);
    }
    const { literals, members } = scanLiterals(text);
    checkSurrogateEscapes(text);
    const check = walkNumbers(plain, literals, false);
    if (check.ok && check.members === members) return new JsonBody(plain, undefined, literals);
    const tree = parseLossless(text);
    return new JsonBody(toPlain(tree), tree, undefined);
  }

  /**
   * The tree with JsonNumber for every number. On the fast path this turns the plain tree into it
   * in place, so read `plain` (validation) before calling this.
   */
  lossless(): LosslessValue {
    if (this.#tree === undefined) {
      this.#tree = walkNumbers(this.plain, this.#literals ?? [], true).root as LosslessValue;
      this.#literals = undefined;
    }
    return this.#tree;
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
