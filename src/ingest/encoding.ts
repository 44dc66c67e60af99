// Request bodies must be Unicode text: UTF-8 bytes, no lone surrogate escapes. Finds where they are not.
import { isUtf8 } from 'node:buffer';
import { InvalidEncodingError } from '../errors.js';

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

/** The first byte sequence that is not UTF-8 (RFC 3629), with why; undefined when all of it is. */
export function firstInvalidUtf8(bytes: Uint8Array): { offset: number; reason: string } | undefined {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const c = bytes[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    // The lead byte fixes the length and the range of the second byte (RFC 3629, section 4).
    let length: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) length = 2;
    else if (c === 0xe0) [length, lo] = [3, 0xa0];
    else if (c === 0xed) [length, hi] = [3, 0x9f];
    else if (c >= 0xe1 && c <= 0xef) length = 3;
    else if (c === 0xf0) [length, lo] = [4, 0x90];
    else if (c === 0xf4) [length, hi] = [4, 0x8f];
    else if (c >= 0xf1 && c <= 0xf3) length = 4;
    else if (c === 0xc0 || c === 0xc1) return { offset: i, reason: `overlong encoding: byte ${hex(c)} never starts a shortest-form character` };
    else if (c <= 0xbf) return { offset: i, reason: `byte ${hex(c)} is a continuation byte without a lead byte` };
    else return { offset: i, reason: `byte ${hex(c)} never appears in UTF-8` };
    const seq = Array.from(bytes.subarray(i, i + length), hex).join(' ');
    const second = bytes[i + 1];
    if (second !== undefined && second >= 0x80 && second <= 0xbf && (second < lo || second > hi)) {
      if (c === 0xed) return { offset: i, reason: `${seq} encodes a UTF-16 surrogate (U+D800..U+DFFF), which UTF-8 does not allow` };
      if (c === 0xf4) return { offset: i, reason: `${seq} encodes a code point beyond U+10FFFF` };
      return { offset: i, reason: `overlong encoding: ${seq}` };
    }
    for (let k = 1; k < length; k++) {
      const b = bytes[i + k];
      if (b === undefined || b < 0x80 || b > 0xbf) {
        return { offset: i, reason: `byte ${hex(c)} starts a ${length}-byte sequence that is cut short` };
      }
    }
    i += length;
  }
  return undefined;
}

/** Where a character offset of a JSON text lies: the pointer of the value, or of the object whose key it is in. */
export interface TextPlace {
  pointer: string;
  /** The key the offset is in, as written in the text (without quotes). */
  key?: string;
}

/** The end of the string starting at `start` (index of its closing quote, or the text's length). */
function stringEnd(text: string, start: number): number {
  let j = start + 1;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 92) j += 2;
    else if (c === 34) return j;
    else j++;
  }
  return text.length;
}

// As points.ts's pointerSegment; not imported from there, which imports json.ts, which imports this.
const segment = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

type Frame = { array: true; index: number } | { array: false; key: string | undefined };

function pointerOf(stack: readonly Frame[]): string {
  let out = '';
  for (const f of stack) {
    if (f.array) out += `/${f.index}`;
    else if (f.key !== undefined) out += `/${segment(f.key)}`;
    else break;
  }
  return out;
}

/**
 * The JSON Pointer of the place at `offset` (a character index) in JSON text, read from the text so
 * it works on bodies that do not parse. Only the error path calls this; it trusts the text before
 * the offset to be JSON, as a pointer means nothing otherwise.
 */
export function placeAt(text: string, offset: number): TextPlace {
  const stack: Frame[] = [];
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 34) {
      const end = stringEnd(text, i);
      const isKey = top !== undefined && !top.array && expectKey;
      if (offset <= end) {
        // In a key, the pointer stops at the object: the key itself is what is broken.
        return isKey ? { pointer: pointerOf(stack), key: text.slice(i + 1, end) } : { pointer: pointerOf(stack) };
      }
      if (isKey) {
        const raw = text.slice(i, end + 1);
        try {
          top.key = JSON.parse(raw) as string;
        } catch {
          top.key = raw.slice(1, -1);
        }
        expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (i >= offset) break;
    if (c === 123) {
      stack.push({ array: false, key: undefined });
      expectKey = true;
    } else if (c === 91) {
      stack.push({ array: true, index: 0 });
      expectKey = false;
    } else if (c === 125 || c === 93) {
      stack.pop();
      expectKey = false;
    } else if (c === 44 && top !== undefined) {
      if (top.array) top.index++;
      else {
        top.key = undefined;
        expectKey = true;
      }
    } else if (c === 58) expectKey = false;
    i++;
  }
  return { pointer: pointerOf(stack) };
}

/** ` in the key "..."` when the place is in a key (the pointer then names its object), else nothing. */
function inKey(place: TextPlace): string {
  return place.key === undefined ? '' : ` in the key "${place.key}"`;
}

/**
 * The body's text, refused with INVALID_ENCODING (byte offset and JSON Pointer) unless it is UTF-8.
 * Valid bodies cost one native check; the byte-by-byte search only runs on a bad one.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buf)) return buf.toString('utf8');
  const bad = firstInvalidUtf8(buf) ?? { offset: 0, reason: 'not UTF-8' };
  // The text before the bad byte is valid, so its length in UTF-16 units locates it in the lossy text.
  const before = buf.subarray(0, bad.offset).toString('utf8').length;
  const place = placeAt(buf.toString('utf8'), before);
  throw new InvalidEncodingError(bad.offset, place.pointer, `invalid UTF-8${inKey(place)}: ${bad.reason}`);
}

/** The UTF-16 unit of the `\uXXXX` escape at `i` if it is a surrogate (D800..DFFF), else -1. */
function surrogateAt(text: string, i: number): number {
  if (text.charCodeAt(i) !== 92 || text.charCodeAt(i + 1) !== 117) return -1;
  const hex = text.slice(i + 2, i + 6);
  if (!/^[dD][89a-fA-F][0-9a-fA-F]{2}$/.test(hex)) return -1;
  return parseInt(hex, 16);
}

/**
 * Index of the first `\uD800`..`\uDFFF` escape of JSON text that is not half of a high-low pair,
 * or -1. Runs on every body: indexOf jumps between escapes, which most bodies have none of.
 */
export function loneSurrogateEscape(text: string): number {
  for (let i = text.indexOf('\\u'); i >= 0; i = text.indexOf('\\u', i + 2)) {
    const unit = surrogateAt(text, i);
    if (unit < 0) continue;
    // An escaped backslash followed by "ud800" is text, not an escape.
    let backslashes = 0;
    while (text.charCodeAt(i - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 1) continue;
    if (unit <= 0xdbff) {
      const low = surrogateAt(text, i + 6);
      if (low >= 0xdc00) {
        i += 6;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/** Refuses JSON text with a lone surrogate escape with INVALID_ENCODING, naming the byte offset and the JSON Pointer. */
export function checkSurrogateEscapes(text: string): void {
  const at = loneSurrogateEscape(text);
  if (at < 0) return;
  const escape = text.slice(at, at + 6);
  const place = placeAt(text, at);
  throw new InvalidEncodingError(
    Buffer.byteLength(text.slice(0, at)),
    place.pointer,
    `lone surrogate escape ${escape}${inKey(place)}: half of a UTF-16 pair, no Unicode character (a character beyond U+FFFF is escaped as a pair such as \\ud83d\\ude00, or sent unescaped)`,
  );
}
